import DequeModule
import HeapModule
import StrategySDK

/// `sjf` — shortest cost first, batched up to the limit, with an aging bound.
///
/// Each decision takes the smallest queued items, so a batch groups similar
/// lengths and its cost (set by its longest item) stays low: short bursts
/// overtake long items, which minimises mean latency when costs differ a lot.
/// An item that has waited longer than `aging_ms` goes first in the next
/// batch (filled with the shortest others), so long items cannot starve.
///
/// Fails: the long client's latency grows towards the aging bound under a
/// steady stream of short work; it ignores deadlines and per-client fairness.
/// Decisions cost O(batch × log n) (a heap over cost, a queue over arrival).
///
/// Config: `aging_ms` (default 1000, ≥ 0): the longest an item waits before
/// it jumps the cost order.
public final class SJF: FerryStrategy {
    private struct Entry: Comparable {
        var cost: UInt64
        var id: UInt64
        static func < (a: Entry, b: Entry) -> Bool { (a.cost, a.id) < (b.cost, b.id) }
    }

    private let agingNs: Int64
    private var byCost = Heap<Entry>()
    private var byArrival = Deque<UInt64>()
    private var arrival: [UInt64: Int64] = [:]  // live items only

    public init(config: StrategyConfig) throws {
        var config = config
        agingNs = Int64(try config.double("aging_ms", default: 1000, in: 0...86_400_000) * 1_000_000)
        try config.finish()
    }

    public func arrived(_ item: Item, now: Int64) {
        guard arrival[item.id] == nil else { return }
        arrival[item.id] = item.arrivalNs
        byCost.insert(Entry(cost: item.cost, id: item.id))
        byArrival.append(item.id)
    }

    public func removed(_ id: UInt64, reason: RemovalReason, now: Int64) {
        arrival.removeValue(forKey: id)  // heap and deque entries are skipped lazily
    }

    public func nextBatch(now: Int64, freeSlots: Int, batch: inout BatchBuilder) -> Int64 {
        while let first = byArrival.first, arrival[first] == nil { byArrival.removeFirst() }
        if let oldest = byArrival.first, let t = arrival[oldest], now - t >= agingNs {
            arrival.removeValue(forKey: oldest)
            byArrival.removeFirst()
            batch.append(oldest)
        }
        while !batch.isFull, let top = byCost.popMin() {
            if arrival.removeValue(forKey: top.id) != nil { batch.append(top.id) }
        }
        return Item.never
    }
}

@c public func ferry_strategy_entry() -> UnsafePointer<ferry_strategy> {
    StrategyExport.table(name: "sjf", SJF.self)
}
