@testable import Scheduler
import Testing

/// A worker's death is told twice (its socket closes; the supervisor says how
/// it died), in either order: each loss must meet its own verdict.
@Suite struct LossVerdictsTests {
    @Test func aLossWaitsForItsVerdict() {
        var v = LossVerdicts(patienceNs: 1_000)
        #expect(v.lost([7, 8], now: 0) == nil)
        #expect(v.judging == [7, 8])
        #expect(v.verdict(crashed: false, now: 10) == .init(batches: [7, 8], atNs: 0))
        #expect(v.judging.isEmpty)
        #expect(v.nextDeadlineNs == nil)
    }

    @Test func aVerdictThatComesFirstWaitsForItsLoss() {
        var v = LossVerdicts(patienceNs: 1_000)
        #expect(v.verdict(crashed: true, now: 0) == nil)
        #expect(v.lost([1], now: 5) == true)
        #expect(v.judging.isEmpty)
    }

    @Test func anEarlyVerdictGoesStaleAfterThePatience() {
        var v = LossVerdicts(patienceNs: 1_000)
        #expect(v.verdict(crashed: false, now: 0) == nil)
        // Too old to belong to this loss (that worker died before it was reached).
        #expect(v.lost([1], now: 5_000) == nil)
        #expect(v.judging == [1])
    }

    @Test func lossesAndVerdictsPairInOrder() {
        var v = LossVerdicts(patienceNs: 1_000)
        _ = v.lost([1], now: 0)
        _ = v.lost([2], now: 1)
        #expect(v.verdict(crashed: true, now: 2)?.batches == [1])
        #expect(v.verdict(crashed: false, now: 3)?.batches == [2])
    }

    @Test func aLossNobodyJudgesIsOverdueAfterThePatience() {
        var v = LossVerdicts(patienceNs: 1_000)
        _ = v.lost([1], now: 0)
        _ = v.lost([2], now: 600)
        #expect(v.nextDeadlineNs == 1_000)
        #expect(v.overdue(now: 999).isEmpty)
        #expect(v.overdue(now: 1_000).map(\.batches) == [[1]])
        #expect(v.nextDeadlineNs == 1_600)
        #expect(v.judging == [2])
    }
}
