/// What a backend call is expected to cost: the one place that says how a
/// call's time grows with what it holds. The simulated backend, the bench's
/// simulator and lower bound, the scheduler (each item's estimate, and the
/// estimate of a candidate batch that it offers strategies) all ask this
/// type, so no strategy and no backend writes a law of its own.
///
/// A call of `n` items whose largest size is `m` costs
///
///     fixedNs + perItemNs·n + longestSquaredNs·m² + paddedNs·n·m + paddedSquaredNs·n·m²
///
/// The seed's classifier is the `m²` term alone (plus an optional fixed
/// round trip); a transformer that pads every row to the longest is the
/// `n·m` term, and its attention the `n·m²` one. Sizes are in the backend's
/// units (characters for the seed, tokens for a transformer).
public struct CostModel: Sendable, Equatable, Codable {
    public var fixedNs: Double
    public var perItemNs: Double
    public var longestSquaredNs: Double
    public var paddedNs: Double
    public var paddedSquaredNs: Double

    public init(fixedNs: Double = 0, perItemNs: Double = 0, longestSquaredNs: Double = 0, paddedNs: Double = 0, paddedSquaredNs: Double = 0) {
        self.fixedNs = fixedNs
        self.perItemNs = perItemNs
        self.longestSquaredNs = longestSquaredNs
        self.paddedNs = paddedNs
        self.paddedSquaredNs = paddedSquaredNs
    }

    /// The seed's law: `callMs + unitMs × (longest size)²` per call.
    public static func seed(unitMs: Double, callMs: Double = 0) -> CostModel {
        CostModel(fixedNs: callMs * 1e6, longestSquaredNs: unitMs * 1e6)
    }

    /// A call of `count` items whose largest size is `longest`, in ns.
    public func callNs(count: Int, longest: UInt64) -> Double {
        guard count > 0 else { return 0 }
        let n = Double(count), m = Double(longest)
        return fixedNs + perItemNs * n + longestSquaredNs * m * m + paddedNs * n * m + paddedSquaredNs * n * m * m
    }

    /// A call holding items of these sizes, in whole ns.
    public func callNs(sizes: some Sequence<UInt64>) -> Int64 {
        var count = 0
        var longest: UInt64 = 0
        for size in sizes {
            count += 1
            longest = max(longest, size)
        }
        return Int64(callNs(count: count, longest: longest).rounded())
    }

    /// An item's own service time: a call of it alone, in whole ns.
    public func itemNs(size: UInt64) -> Int64 {
        Int64(callNs(count: 1, longest: size).rounded())
    }
}
