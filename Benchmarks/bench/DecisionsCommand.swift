import ArgumentParser
import BenchKit
import Foundation

/// `swift run bench decisions` — what one scheduling decision costs, per
/// strategy and queue depth, through the real host (the core and the loaded
/// plugin): the table `compare` ends with, alone and repeatable.
struct DecisionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decisions",
        abstract: "What one scheduling decision costs, per strategy, at each queue depth.",
        discussion: """
            Loads each strategy plugin into a scheduling core, fills the queue to the depth (four clients, sizes 5–204), \
            then times --decisions calls of the core's schedule (a backend slot free, batch limit 5), completing each \
            batch and queueing as many new items so the depth stays put. Reports the median of --reps runs: ns per \
            decision and per dispatched item. Build with `swift build -c release` and run .build/release/bench for \
            figures worth quoting. Exit status 2 when --budget-ns is given and a strategy is over it at the deepest depth.
            """)

    @Option(name: .customLong("strategy"), help: "Strategies (repeat or comma-separate): built-in names or .so paths. Default: every built one.")
    var strategies: [String] = []

    @Option(name: .customLong("depth"), help: "Queue depths (repeat or comma-separate).")
    var depths: [String] = ["10", "1000", "100000"]

    @Option(help: "Decisions timed per run.")
    var decisions = 20_000

    @Option(help: "Runs per strategy and depth; the median is reported.")
    var reps = 3

    @Option(help: "Fail (exit 2) when a strategy's ns per decision at the deepest depth is above this.")
    var budgetNs: Double?

    @Option(help: "Folder for decision-cost.json.")
    var out = "Benchmarks/results"

    @Flag(help: "No progress lines on stderr.")
    var quiet = false

    func run() throws {
        var options = BenchOptions()
        options.strategies = strategies.flatMap { $0.split(separator: ",").map(String.init) }
        options.quiet = quiet
        options.decisionDepths = try depths.flatMap { $0.split(separator: ",") }.map { text in
            guard let depth = Int(text), depth > 0 else { throw ValidationError("--depth \(text): expected a whole number above 0") }
            return depth
        }
        guard decisions > 0, reps > 0 else { throw ValidationError("--decisions and --reps must be above 0") }
        let runner = BenchRunner(options: options)
        let costs = try runner.decisionCosts(try runner.strategies(), decisions: decisions, reps: reps, progress: runner.progress)
        print(Report.decisionTable(costs), terminator: "")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(costs).write(to: URL(fileURLWithPath: "\(out)/decision-cost.json"))
        print("\nresults: \(out)/decision-cost.json")
        guard let budgetNs, let deepest = options.decisionDepths.max() else { return }
        let over = costs.compactMap { name, row -> String? in
            guard let cost = row.first(where: { $0.depth == deepest }), cost.nsPerDecision > budgetNs else { return nil }
            return "\(name): \(Int(cost.nsPerDecision)) ns per decision at depth \(deepest), over the budget of \(Int(budgetNs)) ns"
        }.sorted()
        if over.isEmpty {
            print("every strategy within \(Int(budgetNs)) ns per decision at depth \(deepest)")
        } else {
            for line in over { print(line) }
            throw ExitCode(2)
        }
    }
}
