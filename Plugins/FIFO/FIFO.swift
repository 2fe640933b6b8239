import StrategySDK

/// `fifo` — one item per backend call, in arrival order: the seed's shell
/// proxy, and the baseline every bench table compares with.
///
/// Optimises: nothing but simplicity and strict arrival order.
/// Fails: throughput, whenever the backend could take more than one item a
/// call; under bursts every request waits behind all earlier ones, one call
/// each.
///
/// Config: none (any key is refused).
public final class FIFO: FerryStrategy {
    /// Its queued items, kept for it by the SDK (from arrival to departure).
    private let items = QueuedItems()
    public var queued: QueuedItems? { items }
    private let order = ArrivalOrder()

    public init(config: StrategyConfig) throws {
    }

    public func arrived(_ item: Item, now: Int64) {
        order.append(item.id)
    }


    public func nextBatch(now: Int64, freeSlots: Int, batch: inout BatchBuilder) -> Int64 {
        if let id = order.popFirst(live: items) {
            items.discard(id)
            batch.append(id)
        }
        return Item.never
    }
}

@c public func ferry_strategy_entry() -> UnsafePointer<ferry_strategy> {
    StrategyExport.table(name: "fifo", FIFO.self)
}
