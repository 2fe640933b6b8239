/// The calls in flight as a model server with a queue of its own runs them
/// (`SchedulingCore.Configuration.pipeline`): first come first served,
/// `parallel` at once. It knows which calls run, since when, and which wait
/// in the server's queue, so the core can say when the server will be free
/// for one more call — and send it just then, not as soon as a slot is free.
struct ServerQueue {
    var parallel: Int
    /// Running calls: batch → when it began to run (its send, or the end of
    /// the call whose place it took).
    private(set) var running: [UInt64: Int64] = [:]
    /// Calls sent ahead, waiting in the server's queue, in the order sent.
    private(set) var waiting: [UInt64] = []

    init(parallel: Int) {
        self.parallel = max(1, parallel)
    }

    mutating func sent(_ batch: UInt64, now: Int64) {
        if running.count < parallel { running[batch] = now } else { waiting.append(batch) }
    }

    /// A call ended (or was lost): the next waiting ones run from now.
    mutating func left(_ batch: UInt64, now: Int64) {
        if running.removeValue(forKey: batch) == nil { waiting.removeAll { $0 == batch } }
        promote(now: now)
    }

    /// The server runs `parallel` at once (the worker announced its slots on
    /// connecting; calls of a lost worker still awaiting their verdict keep
    /// their places until it requeues them).
    mutating func setParallel(_ parallel: Int) {
        self.parallel = max(1, parallel)
    }

    private mutating func promote(now: Int64) {
        while running.count < parallel, !waiting.isEmpty { running[waiting.removeFirst()] = now }
    }

    /// Calls the server would start at once.
    var idlePlaces: Int { max(0, parallel - running.count) }

    /// When the server is free for one more call: each running call ends
    /// `estimateNs` after it began (or now, if it has run past that), each
    /// waiting one takes the first place that frees. Only when every place is
    /// taken (`idlePlaces == 0`).
    func nextStartNs(now: Int64, estimateNs: (UInt64) -> Int64) -> Int64 {
        var freeAt = running.map { max(now, $0.value + estimateNs($0.key)) }
        guard !freeAt.isEmpty else { return .min }
        for batch in waiting {
            let first = freeAt.indices.min { freeAt[$0] < freeAt[$1] }!
            freeAt[first] += estimateNs(batch)
        }
        return freeAt.min()!
    }

    /// The work still to do at `now`: what is left of each running call (none
    /// once past its estimate) and the whole of each waiting one.
    func remainingNs(now: Int64, estimateNs: (UInt64) -> Double) -> Double {
        running.reduce(0.0) { $0 + max(0, estimateNs($1.key) - Double(now - $1.value)) }
            + waiting.reduce(0.0) { $0 + estimateNs($1) }
    }
}
