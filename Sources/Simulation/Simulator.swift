import HeapModule
import Scheduling

/// A discrete-event simulator on a virtual clock. It drives a strategy
/// through the very `SchedulingCore` the live scheduler uses, so simulated
/// and live figures differ only by Ferry's real overhead.
public struct Simulator {
    /// What happened to one request.
    public struct Record: Sendable, Equatable {
        public enum Outcome: String, Sendable { case ok, expired, rejected }
        public var index: Int
        public var client: String
        public var length: Int
        public var arrivalNs: Int64
        /// When its call started and ended (the end is the answer time).
        public var startNs: Int64?
        public var finishNs: Int64?
        public var outcome: Outcome
        /// Items in its call.
        public var batchSize: Int
        /// What the backend would take for it alone.
        public var ownServiceNs: Int64

        public var latencyNs: Int64? { finishNs.map { $0 - arrivalNs } }
    }

    /// One backend call.
    public struct Call: Sendable, Equatable {
        public var startNs: Int64
        public var endNs: Int64
        public var items: [Int]
    }

    /// Everything a run produced.
    public struct Result: Sendable {
        public var records: [Record]
        public var calls: [Call]
        /// Strategy answers the host refused.
        public var refusedAnswers: Int
        /// Virtual time when the last request was answered.
        public var endNs: Int64
    }

    public let backend: BackendModel
    public let maxQueued: Int
    /// The host's starvation bound, as in the live scheduler.
    public let starvationBoundNs: Int64

    public init(backend: BackendModel, maxQueued: Int = 100_000, starvationBoundNs: Int64 = 30_000_000_000) {
        self.backend = backend
        self.maxQueued = maxQueued
        self.starvationBoundNs = starvationBoundNs
    }

    private struct Completion: Comparable {
        var timeNs: Int64
        var batchID: UInt64
        static func < (a: Completion, b: Completion) -> Bool { (a.timeNs, a.batchID) < (b.timeNs, b.batchID) }
    }

    /// Runs `arrivals` (sorted by time or not) to completion with `strategy`.
    public func run(_ arrivals: [Arrival], strategy: Strategy) -> Result {
        let order = arrivals.indices.sorted { (arrivals[$0].timeNs, $0) < (arrivals[$1].timeNs, $1) }
        let core = SchedulingCore(strategy: strategy, configuration: .init(
            batchLimit: backend.batchLimit, slots: backend.concurrency, maxQueued: maxQueued,
            starvationBoundNs: starvationBoundNs))
        var records = arrivals.enumerated().map { i, a in
            Record(index: i, client: a.client, length: a.length, arrivalNs: a.timeNs, startNs: nil, finishNs: nil,
                   outcome: .ok, batchSize: 0, ownServiceNs: backend.serviceNs(longest: a.length))
        }
        var byItem: [ItemID: Int] = [:]
        var completions = Heap<Completion>()
        var running: [UInt64: (start: Int64, indices: [Int])] = [:]
        var calls: [Call] = []
        var wakeAt: Int64?
        var next = 0
        var now: Int64 = 0

        while next < order.count || !completions.isEmpty || (wakeAt != nil && core.queuedCount > 0) {
            // The next event: an arrival, a completion or the strategy's wake-up.
            var t = Int64.max
            if next < order.count { t = arrivals[order[next]].timeNs }
            if let c = completions.min { t = min(t, c.timeNs) }
            if let w = wakeAt, core.queuedCount > 0 { t = min(t, w) }
            now = max(now, t)
            // Completions first (a slot frees), then arrivals at the same instant.
            while let c = completions.min, c.timeNs <= now {
                _ = completions.removeMin()
                let call = running.removeValue(forKey: c.batchID)!
                core.complete(batchID: c.batchID, success: true, serviceNs: c.timeNs - call.start, now: now)
                for i in call.indices { records[i].finishNs = c.timeNs }
                calls.append(Call(startNs: call.start, endNs: c.timeNs, items: call.indices))
            }
            while next < order.count, arrivals[order[next]].timeNs <= now {
                let i = order[next]
                let a = arrivals[i]
                next += 1
                let deadline = a.timeoutMs.map { a.timeNs + Int64($0) * 1_000_000 } ?? timeNever
                if let id = core.enqueue(client: a.client, priority: a.priority, cost: UInt64(a.length), deadlineNs: deadline, now: now) {
                    byItem[id] = i
                } else {
                    records[i].outcome = .rejected
                    records[i].finishNs = now
                }
            }
            let outcome = core.schedule(now: now)
            for id in outcome.expired {
                let i = byItem.removeValue(forKey: id)!
                records[i].outcome = .expired
                records[i].finishNs = now
            }
            for d in outcome.dispatches {
                let indices = d.ids.map { byItem.removeValue(forKey: $0)! }
                let longest = indices.map { records[$0].length }.max() ?? 0
                let end = now + backend.serviceNs(longest: longest)
                for i in indices {
                    records[i].startNs = now
                    records[i].batchSize = indices.count
                }
                running[d.batchID] = (now, indices)
                completions.insert(Completion(timeNs: end, batchID: d.batchID))
            }
            wakeAt = outcome.wakeAtNs
        }
        calls.sort { ($0.startNs, $0.endNs) < ($1.startNs, $1.endNs) }
        return Result(records: records, calls: calls, refusedAnswers: core.refusedAnswers,
                      endNs: records.compactMap(\.finishNs).max() ?? 0)
    }
}
