import Foundation

/// The seeded fault plan: which faults, on whom, with which delays. It is
/// drawn up front from the seed alone, so the same seed replays the same
/// faults; only the wall-clock times at which they land vary with the machine.
public struct FaultSchedule: Sendable {
    /// One planned fault event.
    public struct Planned: Sendable {
        public let kind: FaultKind
        /// Pause before this event, after the previous one finished (2–6 s).
        public let gapMs: Int
        /// Who to hit, in order: child names or "model-server".
        public let targets: [String]
        /// Delay before each target after the first (kill2/kill3: 0–2500 ms;
        /// drain-kill: the single delay after SIGTERM, 0–40 ms: a short queue drains in tens of milliseconds, and a later kill finds its target gone).
        public let spacingsMs: [Int]
        /// For `stop`: how long the target stays stopped (1–3 s).
        public let holdMs: Int
        /// For restarts of the model server: 0.2–1 s.
        public let restartAfterMs: Int
        /// Planned start, summing the gaps only; real times come later.
        public let plannedAtMs: Int
    }

    public static let children = ["ingress", "scheduler", "worker"]
    public static let modelServer = "model-server"
    /// The supervisor stops Ferry after more than 5 restarts of one child in
    /// 30 s; the plan kills any one target at most this often per 30 s of
    /// planned time, so the soak tests recovery, not the intensity limit.
    /// Real times only stretch (each event takes time to run), so the real
    /// rate is lower still.
    static let maxKillsPerWindow = 4
    static let windowMs = 30_000

    public let events: [Planned]
    public let seed: UInt64

    /// Enough events for `durationMs`; the first `kinds.count` events are
    /// each kind once, in a seeded order, then kinds are drawn at random.
    public init(seed: UInt64, kinds: [FaultKind], durationMs: Int, httpBackend: Bool, coverAllKinds: Bool) {
        self.seed = seed
        var rng = SplitMix64(seed: seed ^ 0xC4A0_5C4E_D01E)
        let firstRound = kinds.shuffledSeeded(&rng)
        let pool = Self.children + (httpBackend ? [Self.modelServer] : [])
        var events: [Planned] = []
        var kills: [String: [Int]] = [:]  // planned times of kills per target, since Ferry last restarted
        var at = 0
        while true {
            let round = events.count < firstRound.count
            if !(round && coverAllKinds) && at >= durationMs { break }
            let gap = 2000 + Int(rng.next() % 4001)
            at += gap
            if !(round && coverAllKinds) && at >= durationMs { break }
            let kind = round ? firstRound[events.count] : kinds[Int(rng.next() % UInt64(kinds.count))]
            // Targets still under the intensity budget, in a seeded order.
            let candidates = pool.filter { name in
                (kills[name] ?? []).filter { at - $0 < Self.windowMs }.count < Self.maxKillsPerWindow
            }.shuffledSeeded(&rng)
            let wanted: Int
            switch kind {
            case .kill, .stop, .drainKill: wanted = 1
            case .kill2: wanted = 2
            case .kill3: wanted = 3
            case .supervisorKill: wanted = 0
            }
            var targets = Array(candidates.prefix(wanted))
            // drain-kill hits a Ferry child: the model server is not Ferry's to drain.
            if kind == .drainKill { targets = Array(Self.children.shuffledSeeded(&rng).prefix(1)) }
            if kind == .stop || kind == .drainKill, targets.isEmpty { targets = [Self.children[Int(rng.next() % 3)]] }
            let spacings: [Int]
            switch kind {
            case .kill2, .kill3: spacings = targets.dropFirst().map { _ in Int(rng.next() % 2501) }
            case .drainKill: spacings = [Int(rng.next() % 41)]
            default: spacings = []
            }
            let hold = 1000 + Int(rng.next() % 2001)
            let restartAfter = 200 + Int(rng.next() % 801)
            events.append(Planned(kind: kind, gapMs: gap, targets: targets, spacingsMs: spacings, holdMs: hold,
                                  restartAfterMs: restartAfter, plannedAtMs: at))
            if kind.restartsFerry {
                kills = kills.filter { $0.key == Self.modelServer }  // a new supervisor counts restarts afresh
            } else if kind != .stop {
                for t in targets { kills[t, default: []].append(at) }
            }
        }
        self.events = events
    }
}

extension Array {
    /// A Fisher–Yates shuffle driven by the soak's own generator, so the
    /// result depends on the seed only.
    func shuffledSeeded(_ rng: inout SplitMix64) -> [Element] {
        var copy = self
        for i in stride(from: copy.count - 1, to: 0, by: -1) {
            copy.swapAt(i, Int(rng.next() % UInt64(i + 1)))
        }
        return copy
    }
}
