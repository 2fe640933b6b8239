import Foundation

/// What the chaos soak asks of a Ferry whose children it kills: their pids
/// across restarts, and when a killed one is back.
extension FerryProcess {
    /// The current pid of `child`, waiting (bounded) while it is down between
    /// a death and its restart. Nil when it does not come back in time.
    func currentPid(of child: String, within seconds: Double = 10) async -> Int32? {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if let pid = pid(of: child) { return pid }
            if !isRunning { return nil }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    /// Waits (bounded) until `child` is ready under a pid other than
    /// `killed`; returns when that was seen, or nil. Polls every 2 ms: the
    /// soak reports how long the child was down.
    func waitBack(_ child: String, killed: Int32, within seconds: Double = 10) async -> ContinuousClock.Instant? {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline && isRunning {
            if let c = state?.children.first(where: { $0.name == child }), let pid = c.pid, pid != killed, c.ready == true { return .now }
            try? await Task.sleep(for: .milliseconds(2))
        }
        return nil
    }
}
