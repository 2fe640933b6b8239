import StrategySDK

/// `batch` — oldest first, filled up to the batch limit: plain dynamic
/// batching, what most serving frameworks do (without their timeout: the
/// batch is formed the moment a backend slot frees, from all that is queued).
///
/// Optimises: throughput and arrival order; no item waits for a timer.
/// Fails: mixes long and short items in one call, so short ones pay for the
/// longest (the cost is set by the longest text); a burst of short work
/// waits behind long items that came first.
///
/// Config: none (any key is refused).
public final class Batch: FerryStrategy {
    private var items: [UInt64: Item] = [:]
    private var order = ArrivalOrder()

    public init(config: StrategyConfig) throws {
        try config.finish()
    }

    public func arrived(_ item: Item, now: Int64) {
        items[item.id] = item
        order.append(item.id)
    }

    public func removed(_ id: UInt64, reason: RemovalReason, now: Int64) {
        items[id] = nil
    }

    public func nextBatch(now: Int64, freeSlots: Int, batch: inout BatchBuilder) -> Int64 {
        while !batch.isFull, let id = order.popFirst(live: items) {
            items[id] = nil
            batch.append(id)
        }
        return Item.never
    }
}

@c public func ferry_strategy_entry() -> UnsafePointer<ferry_strategy> {
    StrategyExport.table(name: "batch", Batch.self)
}
