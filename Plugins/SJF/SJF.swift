import StrategySDK

/// `sjf` — shortest cost first, batched up to the limit, with an aging bound.
///
/// Each decision takes the smallest queued items, so a batch groups similar
/// lengths and its cost (set by its longest item) stays low: short bursts
/// overtake long items, which lowers mean latency when costs differ a lot.
/// An item that has waited longer than `aging_ms` goes first in the next
/// batch (filled with the shortest others), so long items cannot starve.
///
/// Fails: the long client's latency grows towards the aging bound under a
/// steady stream of short work; it ignores deadlines and per-client fairness,
/// and takes the shortest items even when a slightly different grouping
/// would finish more work sooner (see `optimal`).
/// Decisions cost O(batch × log n).
///
/// Config: `aging_ms` (default 1000, ≥ 0): the longest an item waits before
/// it jumps the cost order.
public final class SJF: FerryStrategy {
    private let agingNs: Int64
    /// Its queued items, kept for it by the SDK (from arrival to departure).
    private let items = QueuedItems()
    public var queued: QueuedItems? { items }
    private var byCost = KeyOrder()
    private var byArrival = ArrivalOrder()

    public init(config: StrategyConfig) throws {
        agingNs = Int64(try config.double("aging_ms", default: 1000, in: 0...86_400_000) * 1_000_000)
    }

    public func arrived(_ item: Item, now: Int64) {
        byCost.insert(id: item.id, key: item.cost)
        byArrival.append(item.id)
    }


    public func nextBatch(now: Int64, freeSlots: Int, batch: inout BatchBuilder) -> Int64 {
        if let oldest = byArrival.first(live: items), let item = items[oldest], now - item.arrivalNs >= agingNs {
            items.take(oldest)
            batch.append(oldest)
        }
        while !batch.isFull, let id = byCost.popFirst(live: items) {
            items.take(id)
            batch.append(id)
        }
        return Item.never
    }
}

@c public func ferry_strategy_entry() -> UnsafePointer<ferry_strategy> {
    StrategyExport.table(name: "sjf", SJF.self)
}
