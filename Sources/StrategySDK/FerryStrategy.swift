@_exported import StrategyABI
/// `Item`, `RemovalReason`: the same vocabulary the host's core speaks.
@_exported import StrategyTypes

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

    /// The host's cost estimates, given once before any item arrives (by
    /// hosts of ABI 1.1 and later). Keep it to ask what a candidate batch
    /// would cost: a backend that pads to the longest item does not cost
    /// the max of its items.
    func attached(_ host: HostEstimates)
}

extension FerryStrategy {
    public func removed(_ id: UInt64, reason: RemovalReason, now: Int64) {}
    public func completed(ids: UnsafeBufferPointer<UInt64>, serviceNs: Int64, success: Bool, now: Int64) {}
    public func attached(_ host: HostEstimates) {}
}

/// What the host estimates for a strategy, from its cost model (ABI 1.1).
public struct HostEstimates {
    private let host: UnsafePointer<ferry_host>

    init(_ host: UnsafePointer<ferry_host>) {
        self.host = host
    }

    /// The expected time, in ns, of one backend call holding these queued
    /// ids (ids that are not queued are left out).
    public func batchServiceNs(_ ids: UnsafeBufferPointer<UInt64>) -> Int64 {
        host.pointee.batch_service_ns(host.pointee.context, ids.baseAddress, UInt32(ids.count))
    }

    public func batchServiceNs(_ ids: [UInt64]) -> Int64 {
        ids.withUnsafeBufferPointer { batchServiceNs($0) }
    }

    /// The same for a call of `count` items whose largest `cost` is
    /// `longest`, in O(1): for weighing many candidate groups of a sorted queue.
    public func callServiceNs(count: Int, longest: UInt64) -> Int64 {
        host.pointee.call_service_ns(host.pointee.context, UInt32(count), longest)
    }
}

extension Item {
    /// `hostIs1_1`: the host attached itself, so it passed the 1.1 item
    /// (an older host's item ends before `service_ns`).
    init(_ c: UnsafePointer<ferry_item>, hostIs1_1: Bool) {
        let item = c.pointee
        self.init(id: item.id, client: item.client, clientName: item.client_name.map { String(cString: $0) } ?? "",
                  priority: item.priority, cost: item.cost, arrivalNs: item.arrival_ns, deadlineNs: item.deadline_ns,
                  serviceNs: hostIs1_1 ? item.service_ns : 0)
    }
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
