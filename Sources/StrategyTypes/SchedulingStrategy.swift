/// What a scheduling strategy is, to the host's core and to a strategy's
/// author alike: the one protocol. A Swift strategy conforms (through the
/// SDK's `FerryStrategy`, which adds `init(config:)`) and runs in-process in
/// tests and the bench, or behind the C table in a plugin; a loaded plugin is
/// adapted to it on the host side (`PluginStrategy`). All calls come from
/// one thread and carry `now` (nanoseconds on the host's clock, virtual in
/// the bench): a strategy never reads a clock.
public protocol SchedulingStrategy: AnyObject {
    /// Short name for logs and tables.
    var name: String { get }

    /// A request was queued.
    func arrived(_ item: Item, now: Int64)

    /// A request left the queue without the strategy's answer: cancelled,
    /// expired, or dispatched by the host. May name an id it no longer holds.
    func removed(_ id: ItemID, reason: RemovalReason, now: Int64)

    /// A backend slot is free (or a wake-up is due): append up to
    /// `batch.capacity` queued ids to `batch` and forget them; `batch.expire`
    /// gives up on ids that can no longer meet their deadline. To wait
    /// instead, append nothing and return when to be asked again
    /// (`Item.never` for "on the next arrival or completion").
    func nextBatch(now: Int64, freeSlots: Int, batch: inout BatchBuilder) -> Int64

    /// A batch the strategy (or the host) dispatched finished.
    func completed(ids: BatchIDs, serviceNs: Int64, success: Bool, now: Int64)

    /// The host's cost estimates, given once before any item arrives. Keep
    /// it to ask what a candidate batch would cost: a backend that pads to
    /// the longest item does not cost the max of its items.
    func attached(_ host: HostEstimates)

    /// The table of its items the host keeps for it, if it offers one
    /// (`let queued = QueuedItems()`); nil: it keeps its own.
    var queued: QueuedItems? { get }
}

extension SchedulingStrategy {
    public var name: String { String(describing: Self.self).lowercased() }
    public func removed(_ id: ItemID, reason: RemovalReason, now: Int64) {}
    public func completed(ids: BatchIDs, serviceNs: Int64, success: Bool, now: Int64) {}
    public func attached(_ host: HostEstimates) {}
    public var queued: QueuedItems? { nil }
}
