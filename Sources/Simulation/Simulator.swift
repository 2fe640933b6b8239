import HeapModule
import Scheduling

/// A discrete-event simulator on a virtual clock. It drives a strategy
/// through the very `SchedulingCore` the live scheduler uses, so simulated
/// and live figures differ only by Ferry's real overhead.
public struct Simulator {
    /// What happened to one request.
    public struct Record: Sendable, Equatable {
        public enum Outcome: String, Sendable { case ok, expired, rejected, failed }
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

        public init(index: Int, client: String, length: Int, arrivalNs: Int64, startNs: Int64?, finishNs: Int64?,
                    outcome: Outcome, batchSize: Int, ownServiceNs: Int64) {
            self.index = index
            self.client = client
            self.length = length
            self.arrivalNs = arrivalNs
            self.startNs = startNs
            self.finishNs = finishNs
            self.outcome = outcome
            self.batchSize = batchSize
            self.ownServiceNs = ownServiceNs
        }
    }

    /// One backend call.
    public struct Call: Sendable, Equatable {
        public var startNs: Int64
        public var endNs: Int64
        /// The requests it held (indices into the trace; empty when only the size is known).
        public var items: [Int]
        public var size: Int

        public init(startNs: Int64, endNs: Int64, items: [Int], size: Int? = nil) {
            self.startNs = startNs
            self.endNs = endNs
            self.items = items
            self.size = size ?? items.count
        }
    }

    /// Everything a run produced.
    public struct Result: Sendable {
        public var records: [Record]
        public var calls: [Call]
        /// Strategy answers the host refused.
        public var refusedAnswers: Int
        /// Virtual time when the last request was answered.
        public var endNs: Int64

        public init(records: [Record], calls: [Call], refusedAnswers: Int, endNs: Int64) {
            self.records = records
            self.calls = calls
            self.refusedAnswers = refusedAnswers
            self.endNs = endNs
        }
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

    private struct Pending: Comparable {
        var timeNs: Int64
        var index: Int
        static func < (a: Pending, b: Pending) -> Bool { (a.timeNs, a.index) < (b.timeNs, b.index) }
    }

    private struct Completion: Comparable {
        var timeNs: Int64
        var batchID: UInt64
        static func < (a: Completion, b: Completion) -> Bool { (a.timeNs, a.batchID) < (b.timeNs, b.batchID) }
    }

    /// Runs `arrivals` (in any order) to completion with `strategy`.
    public func run(_ arrivals: [Arrival], strategy: any SchedulingStrategy) -> Result {
        let core = SchedulingCore(strategy: strategy, configuration: .init(
            batchLimit: backend.batchLimit, slots: backend.concurrency, maxQueued: maxQueued,
            starvationBoundNs: starvationBoundNs, costModel: backend.costModel))
        var records = arrivals.enumerated().map { i, a in
            Record(index: i, client: a.client, length: a.length, arrivalNs: a.timeNs, startNs: nil, finishNs: nil,
                   outcome: .ok, batchSize: 0, ownServiceNs: backend.serviceNs(lengths: [a.length]))
        }
        var dependents = ClosedLoop(arrivals)
        var pending = Heap<Pending>(arrivals.indices.filter { arrivals[$0].afterGroup == nil }.map { Pending(timeNs: arrivals[$0].timeNs, index: $0) })
        var byItem: [ItemID: Int] = [:]
        var completions = Heap<Completion>()
        var running: [UInt64: (start: Int64, indices: [Int])] = [:]
        var calls: [Call] = []
        var wakeAt: Int64?
        var now: Int64 = 0

        func answered(_ i: Int, at t: Int64) {
            records[i].finishNs = t
            for next in dependents.answered(i) {
                records[next].arrivalNs = t + arrivals[next].timeNs
                pending.insert(Pending(timeNs: records[next].arrivalNs, index: next))
            }
        }

        while !pending.isEmpty || !completions.isEmpty || (wakeAt != nil && core.queuedCount > 0) {
            // The next event: an arrival, a completion or the strategy's wake-up.
            var t = Int64.max
            if let p = pending.min { t = p.timeNs }
            if let c = completions.min { t = min(t, c.timeNs) }
            if let w = wakeAt, core.queuedCount > 0 { t = min(t, w) }
            now = max(now, t)
            // Completions first (a slot frees), then arrivals at the same instant.
            while let c = completions.min, c.timeNs <= now {
                _ = completions.removeMin()
                let call = running.removeValue(forKey: c.batchID)!
                core.complete(batchID: c.batchID, success: true, serviceNs: c.timeNs - call.start, now: now)
                for i in call.indices { answered(i, at: c.timeNs) }
                calls.append(Call(startNs: call.start, endNs: c.timeNs, items: call.indices))
            }
            while let p = pending.min, p.timeNs <= now {
                _ = pending.removeMin()
                let a = arrivals[p.index]
                let sent = records[p.index].arrivalNs
                let deadline = a.timeoutMs.map { sent + Int64($0) * 1_000_000 } ?? timeNever
                if let id = core.enqueue(client: a.client, priority: a.priority, cost: UInt64(a.length), deadlineNs: deadline, now: now) {
                    byItem[id] = p.index
                } else {
                    records[p.index].outcome = .rejected
                    answered(p.index, at: now)
                }
            }
            let outcome = core.schedule(now: now)
            for id in outcome.expired {
                let i = byItem.removeValue(forKey: id)!
                records[i].outcome = .expired
                answered(i, at: now)
            }
            for d in outcome.dispatches {
                let indices = d.ids.map { byItem.removeValue(forKey: $0)! }
                let end = now + backend.serviceNs(lengths: indices.map { records[$0].length })
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
