/// A cost law learned from the calls a backend really made: for each call
/// its item count `n`, its largest item's size `m` and how long it took.
///
/// The fit is least squares over the configured terms (`CostTerm`) on the
/// relative error (a 2 ms call off by 1 ms is as wrong as a 2 s call off by
/// 1 s). It starts as the prior (the configured law) and gives way to the
/// fit as calls come in, wholly once `priorCalls` calls are in. No
/// coefficient goes negative (a term the data does not
/// support drops to 0). It is robust to outliers: after a first fit, calls
/// whose error is far out of line with the rest (a retried or stalled call)
/// are left out and the fit is made again. Bounded: it remembers the last
/// `window` calls and refits over them (on each of the first 32 calls, then
/// on every 16th, and on a busy backend at most every `refitIntervalNs`),
/// O(window · 2^terms) a refit.
public struct CostLearner: Sendable {
    public struct Configuration: Sendable, Equatable {
        /// The terms fitted; the others stay at 0.
        public var terms: [CostTerm]
        /// The law before any call, and what the fit is pulled towards.
        public var prior: CostModel
        /// Calls after which the fit alone is trusted (before: a blend with the prior).
        public var priorCalls: Double
        /// Calls remembered: the fit follows a backend that changes.
        public var window: Int

        public init(terms: [CostTerm] = [.fixed, .longestSquared], prior: CostModel, priorCalls: Double = 8, window: Int = 256) {
            self.terms = terms
            self.prior = prior
            self.priorCalls = priorCalls
            self.window = max(4, window)
        }
    }

    /// One call as measured.
    public struct Call: Sendable, Equatable {
        public var count: Int
        public var longest: UInt64
        public var serviceNs: Int64
        public init(count: Int, longest: UInt64, serviceNs: Int64) {
            self.count = count
            self.longest = longest
            self.serviceNs = serviceNs
        }
    }

    public let configuration: Configuration
    /// The current estimate: the prior until calls come in.
    public private(set) var model: CostModel
    /// Calls observed so far.
    public private(set) var observations = 0
    private var calls: Recent<Call>
    /// Each recent call's relative error as predicted before it was seen.
    private var errors = Recent<Double>(capacity: 64)
    /// Calls observed since the last refit.
    private var sinceRefit = 0
    /// When the last refit was made (the caller's clock), if it gave one.
    private var lastRefitNs: Int64?
    /// The least time between two refits once the law is past its first 32
    /// calls: a backend making 1,500 calls a second would otherwise refit 94
    /// times a second (`perf`: 7% of the scheduler's CPU under a closed loop),
    /// where a law that changes is still followed within this much.
    public static let refitIntervalNs: Int64 = 50_000_000

    public init(_ configuration: Configuration) {
        self.configuration = configuration
        model = configuration.prior.only(configuration.terms)
        calls = Recent(capacity: configuration.window)
    }

    /// The mean relative error of the recent predictions, each made before
    /// its call was seen (an honest, out-of-sample figure); nil before any.
    public var recentError: Double? {
        errors.items.isEmpty ? nil : errors.items.reduce(0, +) / Double(errors.items.count)
    }

    /// Learns from one call (a successful one: a failed call's time says
    /// nothing of the law) and refits. `now` (monotonic ns), where given,
    /// spaces refits at least `refitIntervalNs` apart once past the first 32
    /// calls; without it the cadence is by count alone. Returns whether it
    /// refitted (the law may have changed).
    @discardableResult
    public mutating func observe(_ call: Call, now: Int64? = nil) -> Bool {
        guard call.count > 0, call.serviceNs > 0 else { return false }
        let predicted = model.callNs(count: call.count, longest: call.longest)
        errors.append(abs(predicted - Double(call.serviceNs)) / Double(call.serviceNs))
        calls.append(call)
        observations += 1
        sinceRefit += 1
        // Every call while the law is young, then every 16th: a refit is
        // O(window · subsets), too much to pay on every call of a busy backend.
        guard observations <= 32 || sinceRefit >= 16 else { return false }
        if observations > 32, let now, let last = lastRefitNs, now - last < Self.refitIntervalNs { return false }
        lastRefitNs = now
        refit()
        return true
    }

    /// The calls remembered, oldest first: what `resume` takes back.
    public var recentCalls: [Call] { calls.inOrder }

    /// Takes up where an earlier learner (an earlier life of the scheduler)
    /// left off, from its remembered calls, oldest first: all but the last 64
    /// taken in at once with one fit, the last 64 observed as they came (so
    /// the recent error is out of sample, as live), then one fit over all.
    /// Replaying every call would refit on each of the first 32 and every
    /// 16th after: seconds for a window of 65,536, before the scheduler listens.
    public mutating func resume(_ earlier: [Call]) {
        let kept = earlier.suffix(configuration.window).filter { $0.count > 0 && $0.serviceNs > 0 }
        let bulk = kept.dropLast(64)
        if !bulk.isEmpty {
            for call in bulk { calls.append(call) }
            observations += bulk.count
            refit()
        }
        for call in kept.suffix(64) { observe(call) }
        if !calls.items.isEmpty { refit() }
    }

    private mutating func refit() {
        sinceRefit = 0
        // The prior holds until `priorCalls` calls are in, giving way to the fit
        // in proportion (a far-off prior in a joint fit would outweigh the calls).
        let fitted = Self.fit(calls.items, configuration)
        let trust = configuration.priorCalls <= 0 ? 1 : min(1, Double(calls.items.count) / configuration.priorCalls)
        model = Self.blend(configuration.prior.only(configuration.terms), fitted, trust)
    }

    /// The fit over `calls`: once on all of them, then again without those
    /// whose relative error is an outlier (beyond 3.5 robust deviations).
    public static func fit(_ calls: [Call], _ configuration: Configuration) -> CostModel {
        let first = solve(calls, configuration)
        guard calls.count >= 8 else { return first }
        let residuals = calls.map { (first.callNs(count: $0.count, longest: $0.longest) - Double($0.serviceNs)) / Double($0.serviceNs) }
        let center = median(residuals)
        let spread = 1.4826 * median(residuals.map { abs($0 - center) })
        let cutoff = max(3.5 * spread, 0.02)
        let kept = zip(calls, residuals).filter { abs($0.1 - center) <= cutoff }.map(\.0)
        return kept.count == calls.count || kept.count < 4 ? first : solve(kept, configuration)
    }

    /// Least squares on the relative error with no negative coefficient:
    /// with at most five terms every subset of them is tried (exact
    /// non-negative least squares) and the best admissible one kept. Solved
    /// in scaled units (each feature over its RMS), which keeps the equations
    /// well conditioned whatever the features' magnitudes.
    static func solve(_ calls: [Call], _ configuration: Configuration) -> CostModel {
        let terms = configuration.terms
        let k = terms.count
        guard k > 0, !calls.isEmpty else { return configuration.prior.only(terms) }
        // Each call's features over its time (the error is relative), in one
        // flat buffer: a refit runs every 16th call of a busy backend, and an
        // array per call was most of its cost.
        let n = calls.count
        var x = [Double](repeating: 0, count: n * k)
        var scale = [Double](repeating: 0, count: k)
        for (i, call) in calls.enumerated() {
            let (count, longest, time) = (Double(call.count), Double(call.longest), Double(call.serviceNs))
            for j in 0..<k {
                let v = terms[j].feature(n: count, m: longest) / time
                x[i * k + j] = v
                scale[j] += v * v
            }
        }
        for j in 0..<k { scale[j] = scale[j] > 0 ? (scale[j] / Double(n)).squareRoot() : 1 }
        var a = [Double](repeating: 0, count: k * k)
        var b = [Double](repeating: 0, count: k)
        var z = [Double](repeating: 0, count: k)
        for i in 0..<n {
            for j in 0..<k { z[j] = x[i * k + j] / scale[j] }
            for r in 0..<k {
                b[r] += z[r]
                for c in 0..<k { a[r * k + c] += z[r] * z[c] }
            }
        }
        for j in 0..<k { a[j * k + j] += 1e-9 }  // a term no call exercises stays solvable (at 0)
        var best: (objective: Double, phi: [Double])?
        var free: [Int] = [], sub: [Double] = [], rhs: [Double] = []
        var phi = [Double](repeating: 0, count: k)
        for mask in 1..<(1 << k) {
            free.removeAll(keepingCapacity: true)
            for j in 0..<k where mask & (1 << j) != 0 { free.append(j) }
            let f = free.count
            sub.removeAll(keepingCapacity: true)
            rhs.removeAll(keepingCapacity: true)
            for i in free {
                rhs.append(b[i])
                for j in free { sub.append(a[i * k + j]) }
            }
            guard let solution = solveLinear(sub, rhs, f), solution.allSatisfy({ $0 >= 0 }) else { continue }
            for j in 0..<k { phi[j] = 0 }
            for (r, i) in free.enumerated() { phi[i] = solution[r] }
            // φᵀAφ − 2bᵀφ: the squared error up to the calls' constant.
            var objective = 0.0
            for i in 0..<k {
                objective -= 2 * b[i] * phi[i]
                for j in 0..<k { objective += phi[i] * a[i * k + j] * phi[j] }
            }
            if best == nil || objective < best!.objective { best = (objective, phi) }
        }
        var model = CostModel()
        if let phi = best?.phi {
            for (j, term) in terms.enumerated() { term.set(phi[j] / scale[j], in: &model) }
        }
        return model
    }

    /// `(1 − t)·a + t·b`, term by term.
    static func blend(_ a: CostModel, _ b: CostModel, _ t: Double) -> CostModel {
        var out = CostModel()
        for term in CostTerm.allCases {
            term.set((1 - t) * term.coefficient(in: a) + t * term.coefficient(in: b), in: &out)
        }
        return out
    }

    /// Gaussian elimination with partial pivoting; nil when singular.
    private static func solveLinear(_ matrix: [Double], _ rhs: [Double], _ k: Int) -> [Double]? {
        var a = matrix, b = rhs
        for col in 0..<k {
            guard let pivot = (col..<k).max(by: { abs(a[$0 * k + col]) < abs(a[$1 * k + col]) }), abs(a[pivot * k + col]) > 1e-300 else { return nil }
            if pivot != col {
                for j in 0..<k { a.swapAt(col * k + j, pivot * k + j) }
                b.swapAt(col, pivot)
            }
            for row in (col + 1)..<k {
                let f = a[row * k + col] / a[col * k + col]
                guard f != 0 else { continue }
                for j in col..<k { a[row * k + j] -= f * a[col * k + j] }
                b[row] -= f * b[col]
            }
        }
        var x = [Double](repeating: 0, count: k)
        for row in stride(from: k - 1, through: 0, by: -1) {
            var s = b[row]
            for j in (row + 1)..<k { s -= a[row * k + j] * x[j] }
            x[row] = s / a[row * k + row]
        }
        return x.allSatisfy(\.isFinite) ? x : nil
    }

    /// The median by selection (Hoare's), not a sort: two per refit.
    static func median(_ values: [Double]) -> Double {
        var v = values
        let n = v.count
        let upper = select(&v, n / 2)
        guard n % 2 == 0 else { return upper }
        // The lower middle is the largest of what selection left below.
        return (v[..<(n / 2)].max()! + upper) / 2
    }

    /// Puts the `k`-th smallest of `v` at `k`, smaller ones before it, and returns it.
    private static func select(_ v: inout [Double], _ k: Int) -> Double {
        var (low, high) = (0, v.count - 1)
        while low < high {
            let pivot = v[(low + high) / 2]
            var (i, j) = (low, high)
            while i <= j {
                while v[i] < pivot { i += 1 }
                while v[j] > pivot { j -= 1 }
                if i <= j {
                    v.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            if k <= j { high = j } else if k >= i { low = i } else { break }
        }
        return v[k]
    }
}

extension CostLearner {
    /// How well a law learned from the first `trainFraction` of `calls` (in
    /// order) predicts the rest: their mean relative error, and the model.
    public static func heldOut(_ calls: [Call], configuration: Configuration, trainFraction: Double = 0.8)
        -> (model: CostModel, error: Double, errors: [Double], trained: Int, tested: Int) {
        let cut = min(calls.count, max(0, Int((Double(calls.count) * trainFraction).rounded())))
        var learner = CostLearner(configuration)
        for call in calls[..<cut] { learner.observe(call) }
        let errors = calls[cut...].filter { $0.count > 0 && $0.serviceNs > 0 }.map { call in
            abs(learner.model.callNs(count: call.count, longest: call.longest) - Double(call.serviceNs)) / Double(call.serviceNs)
        }
        let error = errors.isEmpty ? 0 : errors.reduce(0, +) / Double(errors.count)
        return (learner.model, error, errors, cut, errors.count)
    }
}
