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
/// on every 16th), O(window · 2^terms) a refit.
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
    /// nothing of the law) and refits.
    public mutating func observe(_ call: Call) {
        guard call.count > 0, call.serviceNs > 0 else { return }
        let predicted = model.callNs(count: call.count, longest: call.longest)
        errors.append(abs(predicted - Double(call.serviceNs)) / Double(call.serviceNs))
        calls.append(call)
        observations += 1
        // Every call while the law is young, then every 16th: a refit is
        // O(window · subsets), too much to pay on every call of a busy backend.
        guard observations <= 32 || observations % 16 == 0 else { return }
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
        // Each call's features over its time: the error is relative.
        let rows = calls.map { call in
            terms.map { $0.feature(n: Double(call.count), m: Double(call.longest)) / Double(call.serviceNs) }
        }
        var scale = [Double](repeating: 0, count: k)
        for row in rows {
            for (j, x) in row.enumerated() { scale[j] += x * x }
        }
        scale = scale.map { $0 > 0 ? ($0 / Double(calls.count)).squareRoot() : 1 }
        var a = [Double](repeating: 0, count: k * k)
        var b = [Double](repeating: 0, count: k)
        for row in rows {
            let z = row.enumerated().map { $0.element / scale[$0.offset] }
            for i in 0..<k {
                b[i] += z[i]
                for j in 0..<k { a[i * k + j] += z[i] * z[j] }
            }
        }
        for j in 0..<k { a[j * k + j] += 1e-9 }  // a term no call exercises stays solvable (at 0)
        var best: (objective: Double, phi: [Double])?
        for mask in 1..<(1 << k) {
            let free = (0..<k).filter { mask & (1 << $0) != 0 }
            var sub = [Double](repeating: 0, count: free.count * free.count)
            var rhs = [Double](repeating: 0, count: free.count)
            for (r, i) in free.enumerated() {
                rhs[r] = b[i]
                for (c, j) in free.enumerated() { sub[r * free.count + c] = a[i * k + j] }
            }
            guard let x = solveLinear(sub, rhs, free.count), x.allSatisfy({ $0 >= 0 }) else { continue }
            var phi = [Double](repeating: 0, count: k)
            for (r, i) in free.enumerated() { phi[i] = x[r] }
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

    private static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
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
