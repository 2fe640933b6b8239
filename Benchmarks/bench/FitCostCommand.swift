import ArgumentParser
import BenchKit
import CostModel

/// `swift run bench fit-cost` — fits the cost law offline from a worker's
/// call log, as the scheduler does live, and says how well it predicts the
/// calls it did not see.
struct FitCostCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit-cost",
        abstract: "Fit the backend's cost law from a worker call log and report its error on held-out calls.",
        discussion: """
            Reads the JSON lines the worker writes with --worker-call-log (each call's items, their sizes and \
            its start and end), keeps the calls that ran whole, learns the law from the first --train share of \
            them in the order they ran (the scheduler's own learner: least squares on the relative error, no \
            negative term, outliers left out) and reports its relative error on the rest.
            """)

    @Option(help: "The worker's call log (JSON lines).")
    var callLog: String

    @Option(help: "Only this model's calls (default: all).")
    var model: String?

    @Option(name: .customLong("term"), help: "A term to fit: fixed, per_item, longest_squared, padded, padded_squared (repeat; default fixed and longest_squared).")
    var terms: [String] = []

    @Option(name: .customLong("unit-ms"), help: "The prior's ms per squared size (the seed's law).")
    var unitMs: Double = 1

    @Option(name: .customLong("call-ms"), help: "The prior's fixed ms per call.")
    var callMs: Double = 0

    @Option(help: "Share of the calls (the first ones) to learn from.")
    var train: Double = 0.8

    func run() throws {
        var fitted: [CostTerm] = [.fixed, .longestSquared]
        if !terms.isEmpty {
            fitted = try terms.map { name in
                guard let term = CostTerm(rawValue: name) else {
                    throw ValidationError("--term \(name): not a cost term (\(CostTerm.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                return term
            }
        }
        guard train > 0 && train < 1 else { throw ValidationError("--train must be between 0 and 1, got \(train)") }
        let calls = CostFit.calls(in: try BackendCall.read(log: callLog), model: model)
        guard calls.count >= 10 else {
            throw ValidationError("\(callLog): \(calls.count) usable call(s)\(model.map { " of model '\($0)'" } ?? ""); need at least 10 that ran whole and name their sizes")
        }
        let fit = CostFit.fit(calls, model: model, configuration: .init(terms: fitted, prior: .seed(unitMs: unitMs, callMs: callMs),
                                                                        window: max(256, calls.count)), trainFraction: train)
        print("fit-cost: \(callLog)\(model.map { ", model \($0)" } ?? ""): \(calls.count) calls")
        for line in fit.lines { print(line) }
    }
}
