import StrategySDK

/// `priority` — the proposed solution of seed `001`: a high queue for the
/// short, bursty client and a low queue for the steady client of long texts;
/// each batch is filled from the high queue first (oldest first) and its gaps
/// from the low queue.
///
/// An item goes to the high queue when its priority is above 0, its client is
/// listed in `high_clients`, or its cost is at most `short_cost`.
///
/// Optimises: latency of the high class, while low items still ride in the
/// gaps of partial batches.
/// Fails: the low class starves while the high queue stays full (no aging);
/// a long item filling a gap makes the whole batch as slow as it is; the
/// split is a fixed heuristic, not a measure of cost.
///
/// Config: `short_cost` (default 12: the seed's client A sends 5–12
/// characters), `high_clients` (names separated by `;`, default none).
public final class Priority: FerryStrategy {
    private let shortCost: UInt64
    private let highClients: Set<String>
    /// Its queued items, kept for it by the SDK (from arrival to departure).
    private let items = QueuedItems()
    public var queued: QueuedItems? { items }
    private let high = ArrivalOrder()
    private let low = ArrivalOrder()

    public init(config: StrategyConfig) throws {
        shortCost = UInt64(try config.int("short_cost", default: 12, in: 0...Int(Int32.max)))
        highClients = Set(config.names("high_clients"))
    }

    public func arrived(_ item: Item, now: Int64) {
        if item.priority > 0 || item.cost <= shortCost || highClients.contains(item.clientName) {
            high.append(item.id)
        } else {
            low.append(item.id)
        }
    }


    public func nextBatch(now: Int64, freeSlots: Int, batch: inout BatchBuilder) -> Int64 {
        while !batch.isFull, let id = high.popFirst(live: items) {
            items.discard(id)
            batch.append(id)
        }
        while !batch.isFull, let id = low.popFirst(live: items) {
            items.discard(id)
            batch.append(id)
        }
        return Item.never
    }
}

@c public func ferry_strategy_entry() -> UnsafePointer<ferry_strategy> {
    StrategyExport.table(name: "priority", Priority.self)
}
