/// Identifies a queued request inside one scheduler. Assigned by the host,
/// increasing with arrival, never reused while the process lives.
public typealias ItemID = UInt64

/// "No deadline" and "no wake-up wanted" (the ABI's `FERRY_TIME_NEVER`).
public let timeNever = Int64.max

/// A queued request as scheduling sees it: no payload, no socket, no clock.
/// The one vocabulary of the host's core and of the strategy SDK (each
/// plugin links its own copy of this small module).
public struct Item: Sendable, Equatable {
    public var id: ItemID
    /// Interned client index, stable for the process lifetime; dense (0, 1, 2 …
    /// in order of first appearance): index arrays by it.
    public var client: UInt32
    public var clientName: String
    /// Larger is more urgent; 0 by default.
    public var priority: Int32
    /// Size hint in backend units (characters for the text classifier).
    public var cost: UInt64
    public var arrivalNs: Int64
    /// `Item.never` when the request has no deadline.
    public var deadlineNs: Int64
    /// Its own service time (a call of it alone), ns, from the host's cost
    /// model; 0 from a host older than ABI 1.1.
    public var serviceNs: Int64

    /// "No deadline" / "no wake-up wanted".
    public static let never = timeNever

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
