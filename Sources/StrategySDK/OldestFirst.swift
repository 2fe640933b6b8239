/// Oldest first, filled up to the batch limit: plain dynamic batching, what
/// most serving frameworks do (without their timeout: the batch is formed the
/// moment a backend slot frees, from all that is queued). It is the built-in
/// plugin `batch`, and the strategy the host falls back to when a plugin
/// answers nonsense or crashed the scheduler: it cannot starve anything,
/// the one property a fallback must have.
///
/// Optimises: throughput and arrival order; no item waits for a timer.
/// Fails: mixes long and short items in one call, so short ones pay for the
/// longest; a burst of short work waits behind long items that came first.
/// Decisions cost O(batch) amortised (lazy deletion).
///
/// Config: none (any key is refused).
public final class OldestFirst: FerryStrategy {
    public let name = "oldest-first"
    /// Its queued items, kept for it by its host (from arrival to departure).
    private let items = QueuedItems()
    public var queued: QueuedItems? { items }
    private let order = ArrivalOrder()

    public init() {}

    public init(config: StrategyConfig) throws {
    }

    public func arrived(_ item: Item, now: Int64) {
        order.append(item.id)
    }

    public func nextBatch(now: Int64, freeSlots: Int, batch: inout BatchBuilder) -> Int64 {
        while !batch.isFull, let id = order.popFirst(live: items) {
            items.discard(id)
            batch.append(id)
        }
        return Item.never
    }
}
