@_exported import StrategyABI

/// What a strategy written in Swift implements. One instance serves one
/// scheduler; all calls come from one thread and carry `now` (nanoseconds on
/// the host's clock, virtual in the bench). Never read a clock yourself.
///
/// Export it with one line in the plugin's file:
///
/// ```swift
/// @c public func ferry_strategy_entry() -> UnsafePointer<ferry_strategy> {
///     StrategyExport.table(name: "mine", MyStrategy.self)
/// }
/// ```
public protocol FerryStrategy: AnyObject {
    /// Builds an instance from the user's configuration. Throw (any error;
    /// `StrategyConfig` throws helpful ones) to refuse it at start-up.
    init(config: StrategyConfig) throws

    /// A request was queued.
    func arrived(_ item: Item, now: Int64)

    /// A request left the queue without your answer: cancelled, expired, or
    /// dispatched by the host. May name an id you no longer hold.
    func removed(_ id: UInt64, reason: RemovalReason, now: Int64)

    /// A backend slot is free (or your wake-up is due): append up to
    /// `batch.capacity` queued ids to `batch` and forget them. To wait
    /// instead, append nothing and return when to be asked again
    /// (`Item.never` for "on the next arrival or completion").
    func nextBatch(now: Int64, freeSlots: Int, batch: inout BatchBuilder) -> Int64

    /// A batch you (or the host) dispatched finished.
    func completed(ids: UnsafeBufferPointer<UInt64>, serviceNs: Int64, success: Bool, now: Int64)
}

extension FerryStrategy {
    public func removed(_ id: UInt64, reason: RemovalReason, now: Int64) {}
    public func completed(ids: UnsafeBufferPointer<UInt64>, serviceNs: Int64, success: Bool, now: Int64) {}
}

/// A queued request as a strategy sees it.
public struct Item {
    public var id: UInt64
    /// Client index, stable for the process lifetime.
    public var client: UInt32
    public var clientName: String
    public var priority: Int32
    /// Size hint in backend units (characters for the text classifier).
    public var cost: UInt64
    public var arrivalNs: Int64
    /// `Item.never` when the request has no deadline.
    public var deadlineNs: Int64

    /// "No deadline" / "no wake-up wanted".
    public static let never = Int64.max

    public init(id: UInt64, client: UInt32, clientName: String, priority: Int32, cost: UInt64, arrivalNs: Int64, deadlineNs: Int64) {
        self.id = id
        self.client = client
        self.clientName = clientName
        self.priority = priority
        self.cost = cost
        self.arrivalNs = arrivalNs
        self.deadlineNs = deadlineNs
    }

    init(_ c: ferry_item) {
        self.init(id: c.id, client: c.client, clientName: c.client_name.map { String(cString: $0) } ?? "",
                  priority: c.priority, cost: c.cost, arrivalNs: c.arrival_ns, deadlineNs: c.deadline_ns)
    }
}

/// Why an item left the queue other than through your answer.
public enum RemovalReason: UInt32 {
    case cancelled = 1
    case expired = 2
    case takenByHost = 3
}

/// The batch being chosen: a view of the host's id buffers.
public struct BatchBuilder {
    private let ids: UnsafeMutablePointer<UInt64>
    private let expireIDs: UnsafeMutablePointer<UInt64>?
    private let expireCapacity: Int
    /// The batch limit: how many ids fit.
    public let capacity: Int
    /// Ids appended so far.
    public private(set) var count = 0
    /// Ids given up so far.
    public private(set) var expiredCount = 0

    init(ids: UnsafeMutablePointer<UInt64>, capacity: Int, expireIDs: UnsafeMutablePointer<UInt64>?, expireCapacity: Int) {
        self.ids = ids
        self.capacity = capacity
        self.expireIDs = expireIDs
        self.expireCapacity = expireCapacity
    }

    /// Gives up on a queued item that can no longer meet its deadline: the
    /// host answers it "expired" and never runs it. Forget it afterwards.
    /// False (nothing recorded) when the host's buffer is full this time.
    @discardableResult
    public mutating func expire(_ id: UInt64) -> Bool {
        guard let expireIDs, expiredCount < expireCapacity else { return false }
        expireIDs[expiredCount] = id
        expiredCount += 1
        return true
    }

    public var isFull: Bool { count >= capacity }

    /// Appends `id`; false (and nothing written) when the batch is full.
    @discardableResult
    public mutating func append(_ id: UInt64) -> Bool {
        guard count < capacity else { return false }
        ids[count] = id
        count += 1
        return true
    }
}
