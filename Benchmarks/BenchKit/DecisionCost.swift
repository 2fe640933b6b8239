import Scheduling

/// The "benchmark for each strategy": what one scheduling decision costs
/// through the real host and core, at a given queue depth, kept steady by
/// re-queueing what each decision dispatched.
public struct DecisionCost: Codable, Sendable {
    public var depth: Int
    public var nsPerDecision: Double
    public var nsPerItem: Double

    /// Measures `decisions` decisions of `strategy` at `depth` queued items.
    public static func measure(_ strategy: any SchedulingStrategy, depth: Int, batchLimit: Int, decisions: Int = 2000, seed: UInt64 = 1) -> DecisionCost {
        let core = SchedulingCore(strategy: strategy, configuration: .init(batchLimit: batchLimit, slots: 1, maxQueued: depth + batchLimit * 2))
        var rng = SplitMix64(seed: seed)
        func length() -> UInt64 { 5 + rng.next() % 200 }
        let clients = ["A", "B", "C", "D"]
        for i in 0..<depth { _ = core.enqueue(client: clients[i % 4], cost: length(), now: 0) }
        // Decide from 20 ms on: past any hold for company (a queue that all
        // arrived this instant is a burst still arriving; `CompanyHold` waits
        // at most 10 ms), well before any aging bound.
        var now: Int64 = 20_000_000
        var total: UInt64 = 0
        var items = 0
        for i in 0..<decisions {
            let start = ContinuousClock.now
            let outcome = core.schedule(now: now)
            let elapsed = ContinuousClock.now - start
            total += UInt64(elapsed.components.attoseconds / 1_000_000_000) + UInt64(elapsed.components.seconds) * 1_000_000_000
            for d in outcome.dispatches {
                items += d.ids.count
                core.complete(batchID: d.batchID, success: true, serviceNs: 1_000, now: now)
                for _ in d.ids { _ = core.enqueue(client: clients[i % 4], cost: length(), now: now) }
            }
            // `timed` waits for its idle time; jump the clock so it flushes.
            now += outcome.dispatches.isEmpty ? 1_000_000_000 : 1_000
        }
        return DecisionCost(depth: depth, nsPerDecision: Double(total) / Double(decisions),
                            nsPerItem: items > 0 ? Double(total) / Double(items) : 0)
    }
}
