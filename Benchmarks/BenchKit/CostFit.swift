import CostModel
import Foundation

/// A cost law fitted offline from a worker's call log (`--worker-call-log`):
/// learned on the first calls in the order they ran, judged on the rest.
public struct CostFit: Sendable {
    public let model: String?
    public let prior: CostModel
    public let learned: CostModel
    public let trained: Int
    /// The held-out calls' relative errors, sorted.
    public let errors: [Double]

    public var meanError: Double { errors.isEmpty ? 0 : errors.reduce(0, +) / Double(errors.count) }
    public func quantile(_ q: Double) -> Double {
        errors.isEmpty ? 0 : errors[min(errors.count - 1, Int(Double(errors.count) * q))]
    }

    /// The calls of `model` (all when nil) that ran whole and name their items' sizes.
    public static func calls(in log: [BackendCall], model: String? = nil) -> [CostLearner.Call] {
        log.filter { ($0.model == model || model == nil) && $0.failed == 0 && $0.sizes?.count == $0.items && $0.items > 0 }
            .sorted { $0.start_ns < $1.start_ns }
            .map { CostLearner.Call(count: $0.items, longest: $0.sizes!.max()!, serviceNs: $0.serviceNs) }
    }

    public static func fit(_ calls: [CostLearner.Call], model: String? = nil, configuration: CostLearner.Configuration,
                           trainFraction: Double = 0.8) -> CostFit {
        let result = CostLearner.heldOut(calls, configuration: configuration, trainFraction: trainFraction)
        return CostFit(model: model, prior: configuration.prior.only(configuration.terms), learned: result.model,
                       trained: result.trained, errors: result.errors.sorted())
    }

    /// The report's lines.
    public var lines: [String] {
        func percent(_ x: Double) -> String { String(format: "%.1f%%", x * 100) }
        return [
            "  prior    \(prior.summary)",
            "  learned  \(learned.summary)   (from \(trained) calls)",
            "  held out \(errors.count) calls: mean relative error \(percent(meanError)), median \(percent(quantile(0.5))), p90 \(percent(quantile(0.9)))",
        ]
    }
}
