import StrategySDK
import Foundation
import Scheduling
import Simulation
import CostModel
import StrategyHost
import Testing
import TestSupport

/// Each built-in strategy through its real built `.so` and the real host,
/// on hand-made queues with a scripted (virtual) clock.
@Suite struct StrategyBehaviourTests {
    static let ms: Int64 = 1_000_000

    func load(_ name: String, _ config: String = "") throws -> PluginStrategy {
        try PluginLoader.load(path: try BuildProducts.plugin(name), config: config)
    }

    /// Queues `costs` at t=0 and returns the batches in dispatch order.
    func batches(_ strategy: any SchedulingStrategy, costs: [UInt64], limit: Int) -> [[ItemID]] {
        let core = SchedulingCore(strategy: strategy, configuration: .init(batchLimit: limit, slots: 1))
        for c in costs { _ = core.enqueue(client: "c", cost: c, now: 0) }
        var out: [[ItemID]] = []
        var t: Int64 = 0
        while core.queuedCount > 0 {
            let outcome = core.schedule(now: t)
            for d in outcome.dispatches {
                out.append(d.ids)
                core.complete(batchID: d.batchID, success: true, serviceNs: 1, now: t)
            }
            // A strategy holding for company named when to ask again.
            t = outcome.dispatches.isEmpty ? max(t + 1, outcome.wakeAtNs ?? t + 1) : t + 1
        }
        #expect(core.refusedAnswers == 0)
        return out
    }

    /// Queues `costs` at t=0 under `law` and returns the batches' costs in dispatch order.
    func batchCosts(_ strategy: any SchedulingStrategy, costs: [UInt64], limit: Int, law: CostModel) -> [[UInt64]] {
        let core = SchedulingCore(strategy: strategy, configuration: .init(batchLimit: limit, slots: 1, costModel: law))
        var costOf: [ItemID: UInt64] = [:]
        for c in costs { if let id = core.enqueue(client: "c", cost: c, now: 0) { costOf[id] = c } }
        var out: [[UInt64]] = []
        var t: Int64 = 0
        while core.queuedCount > 0 {
            let outcome = core.schedule(now: t)
            for d in outcome.dispatches {
                out.append(d.ids.map { costOf[$0] ?? 0 })
                core.complete(batchID: d.batchID, success: true, serviceNs: 1, now: t)
            }
            // A strategy holding for company named when to ask again.
            t = outcome.dispatches.isEmpty ? max(t + 1, outcome.wakeAtNs ?? t + 1) : t + 1
        }
        return out
    }

    @Test func sjfBatchesOnlyWhileBatchingPays() throws {
        // The seed's law (a call costs its longest item): a longer item always joins.
        let seed = batchCosts(try load("sjf"), costs: [200, 16, 16, 16, 16, 16, 16, 16], limit: 8, law: .seed(unitMs: 1))
        #expect(seed == [[16, 16, 16, 16, 16, 16, 16, 200]])
        // A padded transformer (MiniLM's law): the long document would cost its
        // length for every short query beside it, so it goes alone; the short ones batch.
        let padded = CostModel(fixedNs: 3.5e6, paddedNs: 0.094e6, paddedSquaredNs: 144)
        let split = batchCosts(try load("sjf"), costs: [200, 16, 16, 16, 16, 16, 16, 16], limit: 8, law: padded)
        #expect(split == [[16, 16, 16, 16, 16, 16, 16], [200]])
        // Equal items still batch: each saves the fixed cost of a call.
        #expect(batchCosts(try load("sjf"), costs: [64, 64, 64], limit: 8, law: padded) == [[64, 64, 64]])
    }

    @Test func batchTakesOldestFirstUpToTheLimit() throws {
        #expect(batches(try load("batch"), costs: [25, 5, 12, 7, 6, 20, 8], limit: 5) == [[1, 2, 3, 4, 5], [6, 7]])
    }

    @Test func timedFlushesOnSizeAndOnIdleTime() throws {
        // Seed 004: 20 requests 50 ms apart, batches of 8, flush after 100 ms idle,
        // 5 calls in flight, 0.5 s a call.
        let arrivals = (0..<20).map { Arrival(client: "llm", timeNs: Int64($0) * 50 * Self.ms, length: 10) }
        let sim = Simulator(backend: BackendModel(batchLimit: 8, concurrency: 5, unitNs: 0, callNs: 500_000_000))
        let result = sim.run(arrivals, strategy: try load("timed"))
        #expect(result.calls.map(\.items.count) == [8, 8, 4])
        #expect(result.calls.map(\.startNs) == [350 * Self.ms, 750 * Self.ms, 1050 * Self.ms])
        #expect(result.records.allSatisfy { $0.outcome == .ok && $0.finishNs != nil })
    }

    @Test func aLoneRequestWaitsOnlyForTimedAndBrieflyForCompany() throws {
        let lone = [Arrival(client: "a", timeNs: 0, length: 10)]
        let sim = Simulator(backend: BackendModel(batchLimit: 5, concurrency: 1, unitNs: 1_000_000))
        for name in ["fifo", "batch", "priority", "fair", "edf"] {
            let r = sim.run(lone, strategy: try load(name))
            #expect(r.records[0].startNs == 0, "\(name) made a lone request wait")
        }
        // sjf and optimal hold it for company that would ride free: a quarter
        // of 2% of its 100 ms call; never with the hold off, nor on a zero-cost backend.
        let free = Simulator(backend: BackendModel(batchLimit: 5, concurrency: 1, unitNs: 0))
        for name in ["sjf", "optimal"] {
            #expect(sim.run(lone, strategy: try load(name)).records[0].startNs == 500_000, "\(name)")
            #expect(sim.run(lone, strategy: try load(name, "hold_fraction=0")).records[0].startNs == 0, "\(name)")
            #expect(free.run(lone, strategy: try load(name)).records[0].startNs == 0, "\(name)")
        }
        #expect(sim.run(lone, strategy: try load("timed")).records[0].startNs == 100 * Self.ms)
    }

    @Test func priorityFillsFromTheHighQueueThenTheGaps() throws {
        let p = try load("priority", "short_cost=12")
        // ids: 1 long, 2 short, 3 long, 4 short, 5 short, 6 long
        let b = batches(p, costs: [20, 5, 22, 8, 12, 25], limit: 4)
        #expect(b == [[2, 4, 5, 1], [3, 6]])
        let named = try load("priority", "short_cost=0,high_clients=B;C")
        let core = SchedulingCore(strategy: named, configuration: .init(batchLimit: 2, slots: 1))
        _ = core.enqueue(client: "A", cost: 1, now: 0)
        _ = core.enqueue(client: "B", cost: 9, now: 0)
        _ = core.enqueue(client: "A", cost: 1, now: 0)
        _ = core.enqueue(client: "C", cost: 9, now: 0)
        #expect(core.schedule(now: 0).dispatches.map(\.ids) == [[2, 4]])
    }

    @Test(arguments: [("", 1.0, 1.0), ("weights=A:2;B:1", 2.0, 1.0)])
    func fairKeepsBackloggedClientsWithinItsBound(config: String, weightA: Double, weightB: Double) throws {
        let fair = try load("fair", config)
        let core = SchedulingCore(strategy: fair, configuration: .init(batchLimit: 5, slots: 1))
        var clientOf: [ItemID: (String, Double)] = [:]
        for _ in 0..<200 {
            if let id = core.enqueue(client: "A", cost: 5, now: 0) { clientOf[id] = ("A", 25 / weightA) }
            if let id = core.enqueue(client: "B", cost: 20, now: 0) { clientOf[id] = ("B", 400 / weightB) }
        }
        var served = ["A": 0.0, "B": 0.0]
        var left = ["A": 200, "B": 200]
        let bound = max(25 / weightA, 400 / weightB)
        var t: Int64 = 0
        while left["A"]! > 0 && left["B"]! > 0 {
            for d in core.schedule(now: t).dispatches {
                for id in d.ids {
                    let (client, charge) = clientOf[id]!
                    served[client]! += charge
                    left[client]! -= 1
                }
                core.complete(batchID: d.batchID, success: true, serviceNs: 1, now: t)
            }
            // While both stay backlogged, their service never drifts apart by
            // more than one charge (the fair strategy's stated bound).
            if left["A"]! > 0 && left["B"]! > 0 {
                #expect(abs(served["A"]! - served["B"]!) <= bound, "after t=\(t): \(served)")
            }
            t += 1
        }
        #expect(core.refusedAnswers == 0)
    }

    @Test func fairLiftsAReturningClientSoIdlenessBanksNoCredit() throws {
        let fair = try load("fair")
        let core = SchedulingCore(strategy: fair, configuration: .init(batchLimit: 1, slots: 1))
        for _ in 0..<10 { _ = core.enqueue(client: "A", cost: 10, now: 0) }
        for t in 0..<10 {  // A alone is served for a while
            for d in core.schedule(now: Int64(t)).dispatches { core.complete(batchID: d.batchID, success: true, serviceNs: 1, now: Int64(t)) }
        }
        for _ in 0..<4 { _ = core.enqueue(client: "A", cost: 10, now: 20) }
        for _ in 0..<4 { _ = core.enqueue(client: "B", cost: 10, now: 20) }
        var order: [String] = []
        var t: Int64 = 21
        while core.queuedCount > 0 {
            for d in core.schedule(now: t).dispatches {
                order += d.ids.map { $0 <= 14 ? "A" : "B" }
                core.complete(batchID: d.batchID, success: true, serviceNs: 1, now: t)
            }
            t += 1
        }
        // B does not get all four slots before A is served again: it was lifted, not credited.
        #expect(Array(order.prefix(4)) != ["B", "B", "B", "B"] || order.count < 8)
        #expect(order.filter { $0 == "A" }.count == 4 && order.filter { $0 == "B" }.count == 4)
    }

    @Test func edfOrdersByDeadlineAndExpiresWhatCannotMakeIt() throws {
        let edf = try load("edf")  // the core's default cost model: 1 ms × cost²
        let core = SchedulingCore(strategy: edf, configuration: .init(batchLimit: 2, slots: 1))
        _ = core.enqueue(client: "a", cost: 10, deadlineNs: 900 * Self.ms, now: 0)   // 1: needs 100 ms, fine
        _ = core.enqueue(client: "a", cost: 10, deadlineNs: 300 * Self.ms, now: 0)   // 2
        _ = core.enqueue(client: "a", cost: 20, deadlineNs: 200 * Self.ms, now: 0)   // 3: needs 400 ms: hopeless
        _ = core.enqueue(client: "a", cost: 10, now: 0)                               // 4: no deadline
        let first = core.schedule(now: 0)
        #expect(first.expired == [3])
        #expect(first.dispatches.map(\.ids) == [[2, 1]])
        core.complete(batchID: 1, success: true, serviceNs: 100 * Self.ms, now: 100 * Self.ms)
        #expect(core.schedule(now: 100 * Self.ms).dispatches.map(\.ids) == [[4]])
    }

    @Test func optimalFirstBatchBelongsToAnOptimalScheduleOnSmallQueues() throws {
        var rng = SplitMix64(seed: 11)
        for _ in 0..<150 {
            let n = Int.random(in: 1...7, using: &rng)
            let limit = Int.random(in: 1...4, using: &rng)
            let lengths = (0..<n).map { _ in UInt64.random(in: 1...30, using: &rng) }
            // The programme's choice, asked at once (not held for company).
            let core = SchedulingCore(strategy: try load("optimal", "hold_fraction=0"), configuration: .init(batchLimit: limit, slots: 1))
            for l in lengths { _ = core.enqueue(client: "c", cost: l, now: 0) }
            let chosen = core.schedule(now: 0).dispatches[0].ids.map { Int($0) - 1 }
            let costs = lengths.map { Double($0 * $0) }
            let all = BruteForce.bestTotal(costs, limit: limit)
            let rest = (0..<n).filter { !chosen.contains($0) }.map { costs[$0] }
            let firstCost = chosen.map { costs[$0] }.max()!
            let withChoice = firstCost * Double(n) + BruteForce.bestTotal(rest, limit: limit)
            #expect(withChoice == all, "lengths \(lengths), limit \(limit): chose \(chosen)")
        }
    }

    @Test func optimalSendsFewerItemsWhenTheNextOneWouldSlowEveryone() throws {
        // Four short items and one very long: the long one should not ride along.
        let b = batches(try load("optimal"), costs: [5, 5, 5, 5, 40], limit: 5)
        #expect(b == [[1, 2, 3, 4], [5]])
    }

    @Test func everyStrategyLoadsAndAnswersEveryRequestOnce() throws {
        let sim = Simulator(backend: BackendModel(batchLimit: 5, concurrency: 2, unitNs: 100_000))
        var rng = SplitMix64(seed: 3)
        var arrivals: [Arrival] = []
        for i in 0..<300 {
            let length = Int.random(in: 5...25, using: &rng)
            let timeout: Int? = i % 7 == 0 ? 50 : nil
            arrivals.append(Arrival(client: i % 3 == 0 ? "B" : "A", timeNs: Int64(i) * 2 * Self.ms, length: length, timeoutMs: timeout))
        }
        for name in ["fifo", "batch", "timed", "sjf", "priority", "fair", "edf", "optimal"] {
            let r = sim.run(arrivals, strategy: try load(name))
            #expect(r.refusedAnswers == 0, "\(name)")
            #expect(r.records.allSatisfy { $0.finishNs != nil }, "\(name) left a request unanswered")
            let dispatched: [Int] = r.calls.flatMap { $0.items }
            #expect(Set(dispatched).count == dispatched.count, "\(name) dispatched a request twice")
            #expect(r.calls.allSatisfy { $0.items.count <= 5 })
        }
    }
}

/// Exhaustive search over every batching and order (tiny queues only).
enum BruteForce {
    static func bestTotal(_ costs: [Double], limit: Int) -> Double {
        var memo: [Int: Double] = [:]
        func go(_ mask: Int) -> Double {
            if mask == 0 { return 0 }
            if let v = memo[mask] { return v }
            let members = (0..<costs.count).filter { mask & (1 << $0) != 0 }
            var best = Double.infinity
            var sub = mask
            while sub > 0 {  // every non-empty subset of what is left, as the next batch
                if sub.nonzeroBitCount <= limit {
                    let p = (0..<costs.count).filter { sub & (1 << $0) != 0 }.map { costs[$0] }.max()!
                    best = min(best, p * Double(members.count) + go(mask & ~sub))
                }
                sub = (sub - 1) & mask
            }
            memo[mask] = best
            return best
        }
        return go((1 << costs.count) - 1)
    }
}
