@testable import CostModel
import Testing

/// The learned cost law against backends whose true law the test knows.
@Suite struct CostLearnerTests {
    /// A deterministic generator (the tests must not depend on luck).
    struct Noise {
        var state: UInt64
        mutating func next() -> Double {  // uniform in [0, 1)
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
    }

    /// `count` calls of 1…8 items of sizes 1…`maxSize`, timed by `law` with ±`jitter` relative noise.
    static func calls(_ count: Int, law: CostModel, maxSize: UInt64 = 60, jitter: Double = 0.05, seed: UInt64 = 1) -> [CostLearner.Call] {
        var noise = Noise(state: seed)
        return (0..<count).map { _ in
            let n = 1 + Int(noise.next() * 8)
            let m = 1 + UInt64(noise.next() * Double(maxSize))
            let ns = law.callNs(count: n, longest: m) * (1 + jitter * (2 * noise.next() - 1))
            return .init(count: n, longest: m, serviceNs: Int64(ns))
        }
    }

    static func close(_ a: Double, _ b: Double, within: Double) -> Bool { abs(a - b) <= within * abs(b) }

    @Test func withNoCallsItIsThePrior() {
        let learner = CostLearner(.init(prior: .seed(unitMs: 1, callMs: 2)))
        #expect(learner.model == .seed(unitMs: 1, callMs: 2))
        #expect(learner.recentError == nil && learner.observations == 0)
        // Terms not fitted are 0 even if the prior has them.
        #expect(CostLearner(.init(terms: [.padded], prior: .seed(unitMs: 1))).model == CostModel())
    }

    @Test func itLearnsTheSeedLawFromNoisyCalls() {
        let truth = CostModel.seed(unitMs: 0.7, callMs: 1.5)
        // A wrong prior (the default unit of 1 ms, no round trip): the data overrides it.
        let result = CostLearner.heldOut(Self.calls(300, law: truth), configuration: .init(prior: .seed(unitMs: 1)))
        #expect(result.error < 0.10, "held-out error \(result.error)")
        #expect(Self.close(result.model.longestSquaredNs, truth.longestSquaredNs, within: 0.05), "\(result.model)")
        #expect(Self.close(result.model.fixedNs, truth.fixedNs, within: 0.15), "\(result.model)")
    }

    @Test func itNamesThePaddingOfATransformer() {
        // n × longest: every row padded to the longest, plus a launch cost.
        let truth = CostModel(fixedNs: 3e6, paddedNs: 0.4e6)
        let config = CostLearner.Configuration(terms: [.fixed, .perItem, .longestSquared, .padded], prior: .seed(unitMs: 1))
        let result = CostLearner.heldOut(Self.calls(300, law: truth, maxSize: 256), configuration: config)
        #expect(result.error < 0.10, "held-out error \(result.error)")
        #expect(Self.close(result.model.paddedNs, truth.paddedNs, within: 0.10), "\(result.model)")
        // The padded term carries the cost, not the seed's m² the prior believed.
        let m = 200.0, n = 4.0
        #expect(result.model.longestSquaredNs * m * m < 0.1 * result.model.paddedNs * n * m, "\(result.model)")
    }

    @Test func itLearnsAFixedCostPerCall() {
        let truth = CostModel(fixedNs: 50e6)  // an LLM API: the call, not its content
        let result = CostLearner.heldOut(Self.calls(200, law: truth), configuration: .init(prior: .seed(unitMs: 1)))
        #expect(result.error < 0.10, "held-out error \(result.error)")
        #expect(Self.close(result.model.fixedNs, 50e6, within: 0.05), "\(result.model)")
    }

    @Test func retriedOrStalledCallsDoNotPoisonIt() {
        let truth = CostModel.seed(unitMs: 1, callMs: 1)
        var calls = Self.calls(300, law: truth, jitter: 0.02)
        for i in stride(from: 0, to: calls.count, by: 9) { calls[i].serviceNs *= 10 }  // one in nine took ten times as long
        var learner = CostLearner(.init(prior: .seed(unitMs: 1)))
        for call in calls { learner.observe(call) }
        #expect(Self.close(learner.model.longestSquaredNs, truth.longestSquaredNs, within: 0.05), "\(learner.model)")
    }

    @Test func itFollowsABackendThatChanges() {
        var learner = CostLearner(.init(prior: .seed(unitMs: 1), window: 64))
        for call in Self.calls(200, law: .seed(unitMs: 1)) { learner.observe(call) }
        for call in Self.calls(200, law: .seed(unitMs: 3), seed: 2) { learner.observe(call) }
        #expect(Self.close(learner.model.longestSquaredNs, 3e6, within: 0.05), "\(learner.model)")
        #expect(learner.observations == 400)
        #expect((learner.recentError ?? 1) < 0.10)
    }

    /// A busy backend's refits are spaced in time once the law is past its
    /// first 32 calls: every call refits while young, every 16th after, and
    /// with a clock no two within `refitIntervalNs`. A law that changes is
    /// still followed.
    @Test func aBusyBackendRefitsAtMostOncePerInterval() {
        let (old, new) = (CostModel.seed(unitMs: 1, callMs: 2), CostModel.seed(unitMs: 3, callMs: 2))
        var learner = CostLearner(.init(prior: old))
        var refits = 0
        // 32 young calls, each a refit, whatever the clock says (1 µs apart).
        for (i, call) in Self.calls(32, law: old, jitter: 0).enumerated() where learner.observe(call, now: Int64(i) * 1_000) { refits += 1 }
        #expect(refits == 32)
        // 1,600 more, 1 µs apart (1.6 ms in all): without a clock that is 100 refits; with it, none.
        refits = 0
        for (i, call) in Self.calls(1_600, law: new, jitter: 0).enumerated() where learner.observe(call, now: 32_000 + Int64(i) * 1_000) { refits += 1 }
        #expect(refits == 0 && Self.close(learner.model.longestSquaredNs, old.longestSquaredNs, within: 0.01), "\(learner.model)")
        // Once the interval has passed, the 16th call since refits, and the law follows the backend.
        var later = CostLearner.refitIntervalNs + 32_000
        refits = 0
        for call in Self.calls(16, law: new, jitter: 0, seed: 2) {
            later += 1_000
            if learner.observe(call, now: later) { refits += 1 }
        }
        #expect(refits == 1)
        #expect(Self.close(learner.model.longestSquaredNs, new.longestSquaredNs, within: 0.05), "\(learner.model)")
        // Without a clock the cadence is by count alone.
        var counted = CostLearner(.init(prior: old))
        let byCount = Self.calls(64, law: old, jitter: 0).filter { counted.observe($0) }.count
        #expect(byCount == 32 + 2)
    }

    @Test func noCoefficientGoesNegative() {
        // Times that fall with size would need a negative m² term: it is 0 instead.
        let calls = (1...50).map { CostLearner.Call(count: 1, longest: UInt64($0), serviceNs: Int64(100e6 - Double($0) * 1e6)) }
        let model = CostLearner.fit(calls, .init(prior: .seed(unitMs: 1)))  // the fit alone, no prior
        #expect(model.longestSquaredNs == 0 && model.fixedNs > 0, "\(model)")
    }
}

/// The law measured for all-MiniLM-L6-v2 on this CPU (`../shared/models.md`):
/// `2.8 + 0.247·n·L + 0.000412·n·L²` ms for n texts padded to L tokens.
@Suite struct TransformerLawTests {
    @Test func theMiniLMLawIsLearnedAndNamesThePadding() {
        let truth = CostModel(fixedNs: 2.8e6, paddedNs: 0.247e6, paddedSquaredNs: 412)
        let config = CostLearner.Configuration(terms: [.fixed, .perItem, .longestSquared, .padded, .paddedSquared], prior: .seed(unitMs: 1))
        let result = CostLearner.heldOut(CostLearnerTests.calls(300, law: truth, maxSize: 256), configuration: config)
        #expect(result.error < 0.10, "held-out error \(result.error)")
        // One 256-token text among four 16-token ones costs as five long ones: the padding is named.
        let mixed = result.model.callNs(count: 5, longest: 256)
        let apart = result.model.callNs(count: 1, longest: 256) + result.model.callNs(count: 4, longest: 16)
        #expect(mixed > 3 * apart, "\(result.model)")
        #expect(result.model.longestSquaredNs * 256 * 256 < 0.1 * mixed, "\(result.model)")
    }

    /// The robust fit's median (by selection, not a sort) against a sort's, on
    /// odd and even counts, ties, and values in every order.
    @Test func theMedianBySelectionIsASortsMedian() {
        var noise = CostLearnerTests.Noise(state: 7)
        for count in [1, 2, 3, 4, 5, 8, 9, 16, 255, 256] {
            for ties in [false, true] {
                let values = (0..<count).map { _ in ties ? (noise.next() * 4).rounded(.down) : noise.next() * 100 - 50 }
                let sorted = values.sorted()
                let expected = count % 2 == 1 ? sorted[count / 2] : (sorted[count / 2 - 1] + sorted[count / 2]) / 2
                #expect(CostLearner.median(values) == expected, "\(count) values, ties \(ties)")
                #expect(CostLearner.median(sorted) == expected && CostLearner.median(sorted.reversed()) == expected)
            }
        }
    }
}
