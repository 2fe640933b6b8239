/// One term of the cost law (see `CostModel`), by the name configuration
/// and metrics use.
public enum CostTerm: String, Sendable, CaseIterable, Codable {
    /// A call's own cost, whatever it holds (a round trip, a model launch).
    case fixed
    /// Each item's own cost: `n`.
    case perItem = "per_item"
    /// The largest item's size squared: `m²` (the seed's classifier).
    case longestSquared = "longest_squared"
    /// Every item padded to the largest: `n·m` (a transformer's batch).
    case padded
    /// The same, quadratic in the padded length: `n·m²` (a transformer's attention).
    case paddedSquared = "padded_squared"

    /// The term's value for a call of `n` items whose largest size is `m`.
    func feature(n: Double, m: Double) -> Double {
        switch self {
        case .fixed: 1
        case .perItem: n
        case .longestSquared: m * m
        case .padded: n * m
        case .paddedSquared: n * m * m
        }
    }

    /// The term's coefficient in `model`, ns per unit of the feature.
    public func coefficient(in model: CostModel) -> Double {
        switch self {
        case .fixed: model.fixedNs
        case .perItem: model.perItemNs
        case .longestSquared: model.longestSquaredNs
        case .padded: model.paddedNs
        case .paddedSquared: model.paddedSquaredNs
        }
    }

    func set(_ value: Double, in model: inout CostModel) {
        switch self {
        case .fixed: model.fixedNs = value
        case .perItem: model.perItemNs = value
        case .longestSquared: model.longestSquaredNs = value
        case .padded: model.paddedNs = value
        case .paddedSquared: model.paddedSquaredNs = value
        }
    }
}

extension CostModel {
    /// This law with only `terms` kept (the others 0).
    public func only(_ terms: [CostTerm]) -> CostModel {
        var kept = CostModel()
        for term in terms { term.set(term.coefficient(in: self), in: &kept) }
        return kept
    }
}

extension CostModel {
    /// The law for people: its non-zero terms (`0.5 ms + 980.0 ns·m²`).
    public var summary: String {
        // Three decimals in a unit that suits the value; no Foundation here.
        func ms(_ ns: Double) -> String {
            let (value, unit) = ns >= 1e6 ? (ns / 1e6, "ms") : ns >= 1e3 ? (ns / 1e3, "µs") : (ns, "ns")
            let rounded = (value * 1000).rounded() / 1000
            return "\(rounded) \(unit)"
        }
        let parts = [(fixedNs, ""), (perItemNs, "·n"), (longestSquaredNs, "·m²"), (paddedNs, "·n·m"), (paddedSquaredNs, "·n·m²")]
            .filter { $0.0 != 0 }.map { ms($0.0) + $0.1 }
        return parts.isEmpty ? "0 ms" : parts.joined(separator: " + ")
    }
}
