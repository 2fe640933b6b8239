/// How the supervisor answers a child's death — policy as configuration, as
/// swift-service-lifecycle configures what a service's end means and an OTP
/// supervisor its restart intensity. Pure: `now` comes in, decisions go out,
/// so the policy is unit-tested without a process.
public struct RestartPolicy: Sendable, Equatable {
    /// More restarts than this within `windowNs` stop Ferry.
    public var maxRestarts: Int
    public var windowNs: Int64
    /// The backoff doubles from this (the first restart in the window is immediate)…
    public var initialBackoffMs: UInt64
    /// …up to this.
    public var maxBackoffMs: UInt64
    /// Crashes (crash signals) within the window after which a child that
    /// loads foreign code (the scheduler and its plugin) runs without it.
    public var crashLimit: Int

    public init(maxRestarts: Int = 5, windowNs: Int64 = 30_000_000_000, initialBackoffMs: UInt64 = 100,
                maxBackoffMs: UInt64 = 5_000, crashLimit: Int = 2) {
        self.maxRestarts = maxRestarts
        self.windowNs = windowNs
        self.initialBackoffMs = initialBackoffMs
        self.maxBackoffMs = maxBackoffMs
        self.crashLimit = crashLimit
    }

    /// What to do about one death.
    public enum Decision: Equatable, Sendable {
        /// Start it again after this many milliseconds (0: at once).
        case restart(afterMs: UInt64)
        /// It needed `restarts` restarts within the window: stop everything.
        case giveUp(restarts: Int)
    }
}

/// One child's recent deaths under a `RestartPolicy`.
public struct RestartHistory: Sendable {
    private var restarts: [Int64] = []
    private var crashes: [Int64] = []

    public init() {}

    /// The child died at `now`: restart it (and when), or give up.
    public mutating func died(at now: Int64, policy: RestartPolicy) -> RestartPolicy.Decision {
        restarts = restarts.filter { now - $0 < policy.windowNs } + [now]
        guard restarts.count <= policy.maxRestarts else { return .giveUp(restarts: restarts.count) }
        // The first restart in the window is immediate (a single crash costs
        // no more than the start itself); then the backoff doubles, so a crash
        // loop does not spin.
        let recent = restarts.count
        guard recent > 1 else { return .restart(afterMs: 0) }
        return .restart(afterMs: min(policy.initialBackoffMs << UInt64(min(recent - 2, 16)), policy.maxBackoffMs))
    }

    /// The child died of a crash signal at `now`: true once that happened
    /// `crashLimit` times within the window.
    public mutating func crashed(at now: Int64, policy: RestartPolicy) -> Bool {
        crashes = crashes.filter { now - $0 < policy.windowNs } + [now]
        return crashes.count >= policy.crashLimit
    }

    /// Crashes counted within the window so far.
    public var recentCrashes: Int { crashes.count }
}
