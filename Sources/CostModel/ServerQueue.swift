/// The calls in flight as a model server with a queue of its own runs them
/// (`--pipeline`): first come first served, `parallel` at once. It knows
/// which calls run, since when, and which wait in the server's queue. The
/// scheduler asks it when the server will be free for one more call (to send
/// that call just then, not as soon as a slot is free); the worker asks it
/// when a call sent ahead began to run, so the service time the scheduler
/// learns from is the call's own and not its wait behind the calls ahead.
/// A server that answers out of order makes it a guess: a call that ends
/// while still counted as waiting is taken to have run from its send.
public struct ServerQueue: Sendable {
    public private(set) var parallel: Int
    /// Running calls: call → when it began to run (its send, or the end of
    /// the call whose place it took).
    public private(set) var running: [UInt64: Int64] = [:]
    /// Calls sent ahead, waiting in the server's queue, in the order sent.
    public private(set) var waiting: [UInt64] = []

    public init(parallel: Int) {
        self.parallel = max(1, parallel)
    }

    public var inFlight: Int { running.count + waiting.count }

    public mutating func sent(_ call: UInt64, now: Int64) {
        if running.count < parallel { running[call] = now } else { waiting.append(call) }
    }

    /// A call ended (or was lost): the next waiting ones run from now.
    /// Returns when it began to run; nil if it was still counted as waiting.
    @discardableResult
    public mutating func left(_ call: UInt64, now: Int64) -> Int64? {
        let began = running.removeValue(forKey: call)
        if began == nil { waiting.removeAll { $0 == call } }
        while running.count < parallel, !waiting.isEmpty { running[waiting.removeFirst()] = now }
        return began
    }

    /// A call sent at `sentNs` ended: when it began to run (its send, if it
    /// was still counted as waiting: an answer out of order).
    public mutating func ended(_ call: UInt64, sentNs: Int64, now: Int64) -> Int64 {
        left(call, now: now) ?? sentNs
    }

    /// The server runs `parallel` at once (the worker announced its slots on
    /// connecting; calls of a lost worker still awaiting their verdict keep
    /// their places until it requeues them).
    public mutating func setParallel(_ parallel: Int) {
        self.parallel = max(1, parallel)
    }

    /// Calls the server would start at once.
    public var idlePlaces: Int { max(0, parallel - running.count) }

    /// When the server is free for one more call: each running call ends
    /// `estimateNs` after it began (or now, if it has run past that), each
    /// waiting one takes the first place that frees. Only when every place is
    /// taken (`idlePlaces == 0`). Also what the call that frees that place is
    /// estimated to take (the send-ahead's lead is bounded by it).
    public func nextStart(now: Int64, estimateNs: (UInt64) -> Int64) -> (atNs: Int64, afterCallNs: Int64) {
        var places = running.map { call, began in
            let estimate = estimateNs(call)
            return (atNs: max(now, began + estimate), afterCallNs: estimate)
        }
        guard !places.isEmpty else { return (.min, 0) }
        for call in waiting {
            let first = places.indices.min { places[$0].atNs < places[$1].atNs }!
            let estimate = estimateNs(call)
            places[first] = (places[first].atNs + estimate, estimate)
        }
        return places.min { $0.atNs < $1.atNs }!
    }

    /// The work still to do at `now`: what is left of each running call (none
    /// once past its estimate) and the whole of each waiting one.
    public func remainingNs(now: Int64, estimateNs: (UInt64) -> Double) -> Double {
        running.reduce(0.0) { $0 + max(0, estimateNs($1.key) - Double(now - $1.value)) }
            + waiting.reduce(0.0) { $0 + estimateNs($1) }
    }
}
