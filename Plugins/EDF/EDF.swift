import StrategySDK

/// `edf` — earliest deadline first, filled up to the batch limit. An item
/// that can no longer meet its deadline — now plus its estimated service time
/// is past it — is given up (answered "expired", never run), so the backend
/// spends no time on answers nobody will wait for. The service time is
/// learned from completed calls (ns per cost², smoothed) unless `unit_ms`
/// fixes it. Items without a deadline are ordered as if due
/// `default_deadline_ms` after arrival, so they cannot starve.
///
/// Optimises: the number of requests answered within their deadlines.
/// Fails: mean latency (it ignores cost order), and under overload it can
/// expire items that a cheaper schedule would have saved; the first calls run
/// before any service time is learned (no early expiry then).
/// Decisions cost O(batch × log n).
///
/// Config: `default_deadline_ms` (default 10000), `unit_ms` (default 0:
/// learn; else ms per cost² for the estimate).
public final class EDF: FerryStrategy {
    private let defaultDeadlineNs: Int64
    private var nsPerCost2: Double
    private let learn: Bool
    private var items: [UInt64: Item] = [:]
    private var byDeadline = KeyOrder()
    private var running: [UInt64: UInt64] = [:]  // id → cost, until completed

    public init(config: StrategyConfig) throws {
        var config = config
        defaultDeadlineNs = Int64(try config.double("default_deadline_ms", default: 10_000, in: 0...86_400_000) * 1_000_000)
        let unit = try config.double("unit_ms", default: 0, in: 0...1_000_000)
        nsPerCost2 = unit * 1_000_000
        learn = unit == 0
        try config.finish()
    }

    public func arrived(_ item: Item, now: Int64) {
        items[item.id] = item
        let due = item.deadlineNs == Item.never ? item.arrivalNs &+ defaultDeadlineNs : item.deadlineNs
        byDeadline.insert(id: item.id, key: UInt64(clamping: due))
    }

    public func removed(_ id: UInt64, reason: RemovalReason, now: Int64) {
        items[id] = nil
    }

    public func nextBatch(now: Int64, freeSlots: Int, batch: inout BatchBuilder) -> Int64 {
        while !batch.isFull, let id = byDeadline.first(live: items), let item = items[id] {
            let cost = Double(item.cost)
            let finish = Double(now) + nsPerCost2 * cost * cost
            if item.deadlineNs != Item.never && nsPerCost2 > 0 && finish > Double(item.deadlineNs) {
                guard batch.expire(id) else { break }  // host buffer full: the rest next time
                _ = byDeadline.popFirst(live: items)
                items[id] = nil
                continue
            }
            _ = byDeadline.popFirst(live: items)
            items[id] = nil
            running[id] = item.cost
            batch.append(id)
        }
        return Item.never
    }

    public func completed(ids: UnsafeBufferPointer<UInt64>, serviceNs: Int64, success: Bool, now: Int64) {
        var longest: UInt64 = 0
        for id in ids { longest = max(longest, running.removeValue(forKey: id) ?? 0) }
        guard learn, success, longest > 0, serviceNs > 0 else { return }
        let sample = Double(serviceNs) / (Double(longest) * Double(longest))
        nsPerCost2 = nsPerCost2 == 0 ? sample : 0.8 * nsPerCost2 + 0.2 * sample
    }
}

@c public func ferry_strategy_entry() -> UnsafePointer<ferry_strategy> {
    StrategyExport.table(name: "edf", EDF.self)
}
