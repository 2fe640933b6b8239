import ArgumentParser
import BenchKit
import Foundation

/// `swift run bench` — the root command: the comparison (`compare`, the
/// default subcommand, so `swift run bench --workload …` works as it always
/// has) and the chaos soak (`chaos`).
@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmark Ferry: compare strategies (default), run a chaos soak, fit a cost law, or race Triton's batcher.",
        subcommands: [CompareCommand.self, ChaosCommand.self, FitCostCommand.self, VersusCommand.self, ThroughputCommand.self, DecisionsCommand.self,
                      BareServerCommand.self],
        defaultSubcommand: CompareCommand.self)
}

/// `swift run bench [compare]` — every strategy on the same workloads,
/// simulated (the default) or live, against a real lower bound.
struct CompareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare Ferry's strategies on named workloads.",
        discussion: """
            Simulated by default: a discrete-event simulator drives each built strategy plugin through the
            same scheduling core the live scheduler uses, on a virtual clock (deterministic for a seed).
            --live starts the real processes per strategy and replays the same trace over HTTP (the seed's
            /proxy_classify) or, with --protocol oip-http / oip-grpc, over the Open Inference Protocol.
            Exit status: 0, or 2 when --sla is not met.
            """)

    @Option(name: .customLong("strategy"), help: "Strategies to compare (repeat or comma-separate): built-in names or .so paths. Default: every built one.")
    var strategies: [String] = []

    @Option(name: .customLong("workload"), help: "Workloads to run (repeat or comma-separate). Default: all but live-only ones.")
    var workloads: [String] = []

    @Option(help: "Seed of the traffic generator.")
    var seed: UInt64 = 1

    @Option(help: "Folder for summary.json, requests.csv and the SVG charts.")
    var out: String = "Benchmarks/results"

    @Option(help: "Add a column of mean-latency ratios against this strategy.")
    var baseline: String?

    @Option(help: "Gate, e.g. 'p99<=2s,mean<=500ms,jain>=0.9': exit 2 when any strategy × workload fails it.")
    var sla: String?

    @Flag(help: "Run the real processes and replay the trace over HTTP.")
    var live = false

    @Option(help: "With --live: send the trace to this server (any /proxy_classify server) instead of starting Ferry. With --protocol oip-http the base URL of any Open Inference Protocol server; with oip-grpc its gRPC HOST:PORT.")
    var url: String?

    @Option(name: .customLong("protocol"), help: "With --live: the face the trace goes through: seed (POST /proxy_classify), oip-http (POST /v2/models/classifier/infer) or oip-grpc (ModelInfer). Anything but seed implies --live.")
    var liveProtocol: String = "seed"

    @Option(help: "With --live: start Ferry in front of this model server (--backend http; repeat for several) instead of its simulated backend. It should model the workload's backend (e.g. model_server.py --unit-ms 1 for seed-mix).")
    var upstream: [String] = []

    @Flag(name: .customLong("no-decision-cost"), help: "Skip the per-strategy decision-cost benchmark.")
    var noDecisionCost = false

    @Option(help: "Folder of workload files (default: Benchmarks/workloads).")
    var workloadsDir: String?

    @Flag(help: "No progress lines on stderr.")
    var quiet = false

    func run() async throws {
        var options = BenchOptions()
        options.strategies = strategies.flatMap { $0.split(separator: ",").map(String.init) }
        options.workloads = workloads.flatMap { $0.split(separator: ",").map(String.init) }
        options.seed = seed
        options.out = out
        options.baseline = baseline
        options.url = url
        options.upstreams = upstream
        options.decisionCost = !noDecisionCost
        options.workloadDirectory = workloadsDir
        options.quiet = quiet
        do {
            options.protocol = try LiveProtocol(argument: liveProtocol)
            options.live = live || url != nil || !upstream.isEmpty || options.protocol != .seed
            if let sla { options.sla = try SLA(sla) }
            let code = try await BenchRunner(options: options).run()
            if code != 0 { throw ExitCode(code) }
        } catch let error as BenchError {
            FileHandle.standardError.write(Data("bench: \(error)\n".utf8))
            throw ExitCode(64)
        }
    }
}
