/// When a call sent ahead (`Backend.pipeline`) began to run at its model
/// server, so the service time the scheduler learns from is the call's own
/// and not its wait in the server's queue behind the calls ahead of it.
///
/// The server is taken to run `parallel` calls at once, first come first
/// served (Triton's and MLServer's queues do): a call sent with `ahead`
/// calls in flight starts when the completion that leaves fewer than
/// `parallel` of those running comes — the (ahead − parallel + 1)-th
/// completion after its send — or at its send when fewer than `parallel`
/// were ahead. A server that answers out of order makes it a guess, never
/// more than the call's whole time.
struct UpstreamQueueClock {
    /// A call in flight, as sent.
    struct Sent {
        var sentNs: Int64
        var ahead: Int
        var completedBefore: Int
    }

    let parallel: Int
    private(set) var inFlight = 0
    private var completed = 0
    /// The last completions' times, `completed` numbered; enough of them to
    /// reach back past every call still in flight.
    private var recent: [Int64]

    init(parallel: Int, depth: Int) {
        self.parallel = max(1, parallel)
        recent = Array(repeating: 0, count: max(1, depth))
    }

    mutating func send(at now: Int64) -> Sent {
        defer { inFlight += 1 }
        return Sent(sentNs: now, ahead: inFlight, completedBefore: completed)
    }

    /// The call ended at `now`: when it began to run at the server.
    mutating func end(_ call: Sent, at now: Int64) -> Int64 {
        inFlight -= 1
        var began = call.sentNs
        if call.ahead >= parallel {
            // The completion (1-based, counted from this call's send) that freed its place.
            let number = call.completedBefore + call.ahead - parallel + 1
            if number <= completed && completed - number < recent.count {
                began = max(began, recent[number % recent.count])
            }
        }
        completed += 1
        recent[completed % recent.count] = now
        return min(began, now)
    }
}
