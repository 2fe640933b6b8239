/// Identifies a queued request inside one scheduler. Assigned by the core,
/// increasing with arrival, never reused while the process lives.
public typealias ItemID = UInt64

/// "No deadline" and "no wake-up wanted" (the ABI's `FERRY_TIME_NEVER`).
public let timeNever = Int64.max

/// A request as scheduling sees it: no payload, no socket, no clock.
public struct QueuedItem: Sendable, Equatable {
    public var id: ItemID
    /// Interned client index, stable for the core's lifetime.
    public var client: UInt32
    public var clientName: String
    public var priority: Int32
    /// Size hint in backend units (characters for the text classifier).
    public var cost: UInt64
    public var arrivalNs: Int64
    /// `timeNever` when the request has none.
    public var deadlineNs: Int64
    /// Its own service time (a call of it alone), from the core's cost model.
    public var serviceNs: Int64

    public init(id: ItemID, client: UInt32, clientName: String, priority: Int32, cost: UInt64, arrivalNs: Int64, deadlineNs: Int64,
                serviceNs: Int64 = 0) {
        self.id = id
        self.client = client
        self.clientName = clientName
        self.priority = priority
        self.cost = cost
        self.arrivalNs = arrivalNs
        self.deadlineNs = deadlineNs
        self.serviceNs = serviceNs
    }
}

/// Why an item left the queue other than through the strategy's own answer.
public enum RemovalReason: UInt32, Sendable {
    case cancelled = 1
    case expired = 2
    case takenByHost = 3
}
