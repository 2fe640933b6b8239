/// The vocabulary (`Item`, `ItemID`, `RemovalReason`, `timeNever`) is the
/// SDK's too: one module, re-exported.
@_exported import StrategyTypes

/// The host's view of a scheduling strategy: what the core calls. A loaded
/// plugin (`StrategyHost.PluginStrategy`) and the built-in `OldestFirst`
/// both conform. Every call gets `now`; a strategy never reads a clock.
public protocol Strategy: AnyObject {
    /// Short name for logs and tables.
    var name: String { get }
    /// A new item is queued.
    func arrived(_ item: Item, now: Int64)
    /// An item left the queue for `reason`; may name an id the strategy no
    /// longer holds.
    func removed(_ id: ItemID, reason: RemovalReason, now: Int64)
    /// Chooses the next batch: appends up to `batchLimit` queued ids to `ids`
    /// (which arrives empty) and forgets them. May also append to `expire`
    /// queued ids it gives up on (they can no longer meet their deadline).
    /// Returns when to be asked again if it appended nothing to `ids`
    /// (`timeNever` for "on the next event").
    func nextBatch(now: Int64, batchLimit: Int, freeSlots: Int, into ids: inout [ItemID], expire: inout [ItemID]) -> Int64
    /// A dispatched batch finished.
    func completed(_ ids: [ItemID], serviceNs: Int64, success: Bool, now: Int64)
    /// The host's cost estimates (a batch is not the max of its items when
    /// the backend pads), given once before any item arrives. The core owns
    /// the strategy: hold `costs` unowned.
    func attach(costs: CostEstimating)
}

extension Strategy {
    public func attach(costs: CostEstimating) {}
}

/// What a backend call is expected to cost, as the host estimates it.
public protocol CostEstimating: AnyObject {
    /// One call holding these queued ids (ids not queued are left out), ns.
    func batchServiceNs(_ ids: UnsafeBufferPointer<ItemID>) -> Int64
    /// One call of `count` items whose largest cost is `longest`, ns, in O(1).
    func callServiceNs(count: Int, longest: UInt64) -> Int64
}
