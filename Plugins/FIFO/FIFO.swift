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
    private var items: [UInt64: Item] = [:]
    private var order = ArrivalOrder()

    public init(config: StrategyConfig) throws {
    }

    public func arrived(_ item: Item, now: Int64) {
        items[item.id] = item
        order.append(item.id)
    }

    public func removed(_ id: UInt64, reason: RemovalReason, now: Int64) {
        items[id] = nil
    }

    public func nextBatch(now: Int64, freeSlots: Int, batch: inout BatchBuilder) -> Int64 {
        if let id = order.popFirst(live: items) {
            items[id] = nil
            batch.append(id)
        }
        return Item.never
    }
}

@c public func ferry_strategy_entry() -> UnsafePointer<ferry_strategy> {
    StrategyExport.table(name: "fifo", FIFO.self)
}
