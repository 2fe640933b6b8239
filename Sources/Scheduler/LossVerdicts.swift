/// Pairs each loss of the worker (its connection ended with batches in
/// flight) with the supervisor's word on how the worker died.
///
/// A batch lost to a crash may hold the item that crashed the backend, so its
/// items are tried again one by one and each loss counts against them; a batch
/// lost because someone killed the worker from outside blames no item. The
/// two news travel different roads (the worker's socket closing, the
/// supervisor's `childExited`), so either may come first: a loss waits for its
/// verdict, an early verdict waits for its loss, and a loss that hears nothing
/// within `patienceNs` is judged a crash (the safe side: a poison item must
/// still end).
struct LossVerdicts {
    struct Loss: Equatable {
        var batches: [UInt64]
        var atNs: Int64
    }

    /// How long a loss waits for its verdict: the supervisor's word comes
    /// within milliseconds, but a starved supervisor may be seconds late, and
    /// a kill from outside judged a crash wrongly spends an item's tries. The
    /// wait costs nothing in the usual case (the worker is being restarted).
    let patienceNs: Int64
    /// Losses with no verdict yet, oldest first.
    private(set) var waiting: [Loss] = []
    /// Verdicts that came before their loss, oldest first.
    private var early: [(crashed: Bool, atNs: Int64)] = []

    init(patienceNs: Int64 = 5_000_000_000) {
        self.patienceNs = patienceNs
    }

    /// Batches lost and not yet judged.
    var judging: Set<UInt64> { Set(waiting.flatMap(\.batches)) }

    /// The worker's connection ended with `batches` in flight. Returns the
    /// verdict at once when it came first, else nil: wait for it.
    mutating func lost(_ batches: [UInt64], now: Int64) -> Bool? {
        early.removeAll { now - $0.atNs > patienceNs }
        if !early.isEmpty { return early.removeFirst().crashed }
        waiting.append(Loss(batches: batches, atNs: now))
        return nil
    }

    /// The supervisor says how the worker died. Returns the loss it judges,
    /// or nil when it came first (it is kept for the loss to come).
    mutating func verdict(crashed: Bool, now: Int64) -> Loss? {
        if !waiting.isEmpty { return waiting.removeFirst() }
        early.append((crashed, now))
        return nil
    }

    /// Losses that waited past `patienceNs`: to be judged as crashes.
    mutating func overdue(now: Int64) -> [Loss] {
        let (late, onTime) = (waiting.filter { now - $0.atNs >= patienceNs }, waiting.filter { now - $0.atNs < patienceNs })
        waiting = onTime
        return late
    }

    /// When the oldest waiting loss runs out of patience.
    var nextDeadlineNs: Int64? { waiting.first.map { $0.atNs + patienceNs } }
}
