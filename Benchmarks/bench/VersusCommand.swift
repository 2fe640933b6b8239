import ArgumentParser
import BenchKit
import Foundation

/// `swift run bench versus` — Ferry against Triton Inference Server's own
/// dynamic batcher, on the same traffic and model function.
struct VersusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "versus",
        abstract: "Ferry against Triton's own dynamic batcher, on the same traffic and model function.",
        discussion: """
            For each workload it starts Triton 2.51 (nvidia-pytriton; .ci/install puts it in its venv) once per
            --queue-delay-us with its dynamic batcher on and once with batching off, all running the workload's
            model function (the seed's law as a sleep, a fixed cost per call, or the MiniLM model for texts =
            "words"), with the workload's batch limit and instances = its concurrency. It then replays the
            workload's trace over gRPC to each batcher, to the unbatched Triton alone (one item a call), and
            through Ferry to the unbatched Triton: sending each item alone (fifo, batch limit 1: what its hops
            cost; --no-one-a-call leaves it out), and each strategy (its cost law learned from a neutral 5 ms
            prior). Ferry sends a call ahead to wait in Triton's queue (--pipeline 1, Ferry's own default;
            --pipeline 0,1 runs both), and its worker calls Triton over gRPC (--upstream-protocol grpc,http
            runs both). Repetitions are interleaved, every second one in reverse order (a machine that slows during
            the run weighs on every system alike); tables show medians, then each Ferry system against the
            batcher and against Triton alone, repetition by repetition. Results: OUT/versus.json and versus.md,
            and each Ferry run's call log (OUT/calls-WORKLOAD-xRATE-STRATEGY-REP.jsonl, …-one-a-call-REP.jsonl;
            …-pipeline-N-REP.jsonl at a depth N other than 1, …-http-REP.jsonl over HTTP) for `bench fit-cost`.
            """)

    @Option(name: .customLong("workload"), help: "Workloads (repeat or comma-separate).")
    var workloads: [String] = ["seed-mix", "llm-fixed", "minilm-mix"]

    @Option(name: .customLong("strategy"), help: "Ferry's strategies (repeat or comma-separate). Default: every built one.")
    var strategies: [String] = []

    @Option(name: .customLong("queue-delay-us"), help: "Triton dynamic batcher delays to run, µs (repeat or comma-separate).")
    var delays: [String] = ["0", "10000"]

    @Option(name: .customLong("prior"), help: "Ferry's cost priors (repeat or comma-separate): neutral (5 ms a call, all learned), law (the workload's own cost law; MiniLM has none: neutral) or kept (neutral, resuming the calls Ferry learned in its run before: a restarted Ferry; one uncounted run first).")
    var priors: [String] = ["neutral"]

    @Option(help: "Interleaved repetitions of every system.")
    var reps = 2

    @Option(name: .customLong("rate"), help: "Arrival-rate multipliers, a ladder (repeat or comma-separate): 2 sends the trace twice as fast.")
    var rates: [String] = ["1"]

    @Option(help: "Each client sends this many times as many requests, at the same pace (a p99 on more samples; minilm-mix's B sends 50 a run).")
    var countScale = 1

    @Option(help: "Seed of the traffic generator.")
    var seed: UInt64 = 1

    @Option(help: "onnxruntime threads for the MiniLM model, the same in every system.")
    var modelThreads = 1

    @Option(help: "Folder for versus.json and versus.md.")
    var out = "Benchmarks/results/versus"

    @Option(help: "Folder of workload files (default: Benchmarks/workloads).")
    var workloadsDir: String?

    @Flag(inversion: .prefixedNo, help: "Also run Ferry sending each item alone (fifo, batch limit 1): what its hops cost without batching.")
    var oneACall = true

    @Option(name: .customLong("pipeline"), help: "Calls Ferry sends ahead to Triton's queue (repeat or comma-separate: each depth runs every Ferry system; labels name a depth other than Ferry's default, 1).")
    var pipelines: [String] = ["\(FerryUpstream.default.pipeline)"]

    @Option(name: .customLong("upstream-protocol"), help: "Triton faces Ferry's worker calls: grpc, http (repeat or comma-separate: each runs every Ferry system; labels name one other than gRPC).")
    var upstreamFaces: [String] = [FerryUpstream.default.face.rawValue]

    @Flag(help: "No progress lines on stderr.")
    var quiet = false

    static func list(_ values: [String]) -> [String] { values.flatMap { $0.split(separator: ",").map(String.init) } }

    func run() async throws {
        var options = VersusOptions()
        options.workloads = Self.list(workloads)
        options.strategies = Self.list(strategies)
        options.reps = reps
        options.seed = seed
        options.modelThreads = modelThreads
        options.out = out
        options.quiet = quiet
        options.oneACall = oneACall
        do {
            options.pipelines = try Self.list(pipelines).map {
                guard let v = Int($0), (0...64).contains(v) else { throw BenchError.usage("--pipeline takes whole numbers 0…64, got '\($0)'") }
                return v
            }
            options.upstreamFaces = try Self.list(upstreamFaces).map {
                guard let face = UpstreamFace(rawValue: $0) else { throw BenchError.usage("--upstream-protocol takes grpc or http, got '\($0)'") }
                return face
            }
            options.delaysUs = try Self.list(delays).map {
                guard let v = Int($0), v >= 0 else { throw BenchError.usage("--queue-delay-us takes whole µs ≥ 0, got '\($0)'") }
                return v
            }
            options.rates = try Self.list(rates).map {
                guard let v = Double($0), v > 0 else { throw BenchError.usage("--rate takes multipliers > 0, got '\($0)'") }
                return v
            }
            options.priors = try Self.list(priors).map {
                guard let p = CostPrior(rawValue: $0) else { throw BenchError.usage("--prior takes neutral, law or kept, got '\($0)'") }
                return p
            }
            guard reps >= 1 else { throw BenchError.usage("--reps must be at least 1") }
            guard (1...1000).contains(countScale) else { throw BenchError.usage("--count-scale takes a whole number 1…1000, got \(countScale)") }
            options.countScale = countScale
            var benchOptions = BenchOptions()
            benchOptions.workloadDirectory = workloadsDir
            try await VersusRunner(options: options, bench: BenchRunner(options: benchOptions)).run()
        } catch let error as BenchError {
            FileHandle.standardError.write(Data("bench versus: \(error)\n".utf8))
            throw ExitCode(64)
        }
    }
}
