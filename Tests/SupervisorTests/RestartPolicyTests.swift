import Supervisor
import Testing

/// The supervisor's restart policy, with no process: `now` in, decisions out.
@Suite struct RestartPolicyTests {
    let policy = RestartPolicy(maxRestarts: 5, windowNs: 30 * second, initialBackoffMs: 100, maxBackoffMs: 5_000, crashLimit: 2)
    static let second: Int64 = 1_000_000_000
    var second: Int64 { Self.second }

    @Test func theFirstRestartIsImmediateThenTheBackoffDoubles() {
        var h = RestartHistory()
        let delays = (0..<5).map { i in h.died(at: Int64(i) * second, policy: policy) }
        #expect(delays == [.restart(afterMs: 0), .restart(afterMs: 100), .restart(afterMs: 200), .restart(afterMs: 400), .restart(afterMs: 800)])
    }

    @Test func theBackoffStopsAtItsCeiling() {
        var h = RestartHistory()
        let wide = RestartPolicy(maxRestarts: 100, windowNs: 1_000 * second, initialBackoffMs: 100, maxBackoffMs: 5_000)
        var last = RestartPolicy.Decision.restart(afterMs: 0)
        for i in 0..<20 { last = h.died(at: Int64(i) * second, policy: wide) }
        #expect(last == .restart(afterMs: 5_000))
    }

    @Test func tooManyRestartsInTheWindowGiveUp() {
        var h = RestartHistory()
        for i in 0..<5 { _ = h.died(at: Int64(i) * second, policy: policy) }
        let sixth = h.died(at: 5 * second, policy: policy)
        #expect(sixth == .giveUp(restarts: 6))
    }

    @Test func restartsOutsideTheWindowAreForgottenAndTheNextIsImmediateAgain() {
        var h = RestartHistory()
        for i in 0..<5 { _ = h.died(at: Int64(i) * second, policy: policy) }
        let later = h.died(at: 100 * second, policy: policy)
        #expect(later == .restart(afterMs: 0))
    }

    @Test func theCrashLimitCountsCrashesWithinTheWindowOnly() {
        var h = RestartHistory()
        let first = h.crashed(at: 0, policy: policy)
        let second = h.crashed(at: 40 * self.second, policy: policy)  // the first one fell out of the window
        let third = h.crashed(at: 41 * self.second, policy: policy)
        #expect(!first && !second && third)
        #expect(h.recentCrashes == 2)
    }
}
