import DequeModule
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
    private var order = Deque<UInt64>()
    private var live = Set<UInt64>()

    public init(config: StrategyConfig) throws {
        try config.finish()
    }

    public func arrived(_ item: Item, now: Int64) {
        if live.insert(item.id).inserted { order.append(item.id) }
    }

    public func removed(_ id: UInt64, reason: RemovalReason, now: Int64) {
        live.remove(id)  // skipped lazily when it reaches the front
    }

    public func nextBatch(now: Int64, freeSlots: Int, batch: inout BatchBuilder) -> Int64 {
        while let id = order.popFirst() {
            if live.remove(id) != nil {
                batch.append(id)
                break
            }
        }
        return Item.never
    }
}

@c public func ferry_strategy_entry() -> UnsafePointer<ferry_strategy> {
    StrategyExport.table(name: "fifo", FIFO.self)
}
