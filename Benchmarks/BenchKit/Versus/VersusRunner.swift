import Foundation
import CostModel
import Simulation

/// What `swift run bench versus` was asked to do.
public struct VersusOptions: Sendable {
    public var workloads = ["seed-mix", "llm-fixed", "minilm-mix"]
    /// Ferry's strategies; empty: every built one.
    public var strategies: [String] = []
    /// Triton dynamic batcher delays (µs) to run: 0 and a tuned value.
    public var delaysUs = [0, 10_000]
    /// Ferry's cost priors to run (each strategy with each).
    public var priors: [CostPrior] = [.neutral]
    /// Also run Ferry sending each item alone (`VersusSystem.ferryOneACall`).
    public var oneACall = true
    /// Calls Ferry sends ahead to Triton's queue; each depth runs every Ferry system.
    public var pipelines = [FerryUpstream.default.pipeline]
    /// The Triton faces Ferry's worker calls; each runs every Ferry system.
    public var upstreamFaces = [FerryUpstream.default.face]
    public var reps = 2
    /// Arrival-rate multipliers (a ladder): 2 sends the same trace twice as fast.
    public var rates: [Double] = [1]
    /// Each client's requests multiplied (`Workload.lengthened`): tails on more samples.
    public var countScale = 1
    public var seed: UInt64 = 1
    /// onnxruntime threads for the MiniLM model (the same in every system).
    public var modelThreads = 1
    public var out = "Benchmarks/results/versus"
    public var quiet = false

    public init() {}
}

/// Ferry against Triton Inference Server's own dynamic batcher, on the same
/// traffic and the same model function: for each workload it starts one
/// Triton per dynamic-batcher delay and one with batching off, then sends the
/// workload's trace (over the Open Inference Protocol's gRPC face, open loop
/// as the live bench does) to each batcher, to the unbatched Triton alone,
/// and through Ferry (one per strategy, learning its cost law from the calls
/// from a neutral prior, and Ferry sending each item alone) to the unbatched
/// Triton. Repetitions are interleaved
/// (every system once, then again), so a slow minute of the machine hurts
/// all of them alike; tables give medians over the repetitions.
public struct VersusRunner {
    public let options: VersusOptions
    let bench: BenchRunner

    public init(options: VersusOptions, bench: BenchRunner) {
        self.options = options
        self.bench = bench
    }

    /// One run's figures.
    public struct Run: Codable, Sendable {
        public var workload: String
        public var rate: Double
        public var rep: Int
        public var system: String
        public var figures: Figures
        public var rightAnswers: Int
        public var wrongAnswers: Int
    }

    func progress(_ line: String) {
        if !options.quiet { FileHandle.standardError.write(Data((line + "\n").utf8)) }
    }

    /// Triton's model flags for a workload: the seed's rule with the workload's
    /// law (as a sleep), or the MiniLM model; its batch limit and concurrency.
    func modelArguments(_ workload: Workload) -> [String] {
        let b = workload.backend
        var arguments = ["--max-batch", "\(b.batchLimit)", "--instances", "\(b.concurrency)"]
        if workload.texts == .words {
            arguments += ["--classifier", "minilm", "--threads", "\(options.modelThreads)"]
        } else {
            arguments += ["--classifier", "rule", "--unit-ms", "\(b.unitMs)", "--call-ms", "\(b.callMs ?? 0)"]
        }
        return arguments
    }

    /// Ferry's backend flags: the unbatched Triton at `upstream` (a
    /// `grpc://` or `http://` URL), `pipeline` calls sent ahead to its queue,
    /// and the prior
    /// the learned law replaces — neutral (5 ms a call), so what Ferry knows
    /// of the cost it learned, or the workload's law. MiniLM: embeddings out,
    /// items sized in tokens, the padded terms offered to the learner.
    public static func ferryArguments(_ workload: Workload, upstream: String, config: String, prior: CostPrior,
                                      pipeline: Int = FerryUpstream.default.pipeline, learnedCallsDir: String? = nil) -> [String] {
        let b = workload.backend
        let law = prior == .law && workload.texts != .words
        var arguments = ["--backend", "oip", "--upstream", upstream, "--upstream-row-shape", "1", "--pipeline", "\(pipeline)",
                         "--unit-ms", law ? "\(b.unitMs)" : "0", "--call-ms", law ? "\(b.callMs ?? 0)" : "5"]
        if workload.texts == .words {
            arguments += ["--config", config, "--item-size", "words"]
                + ["fixed", "padded", "padded_squared"].flatMap { ["--cost-term", $0] }
        }
        if let learnedCallsDir { arguments += ["--learned-calls-dir", learnedCallsDir] }
        return arguments
    }

    static let minilmConfig = """
        # bench versus: the MiniLM model as Ferry serves it (the rest comes from flags).
        [[models]]
        name = "classifier"
        output = "EMBEDDING"
        output_datatype = "FP32"
        output_shape = [384]
        upstream_output = "EMBEDDING"
        """

    func script() -> String {
        let local = "Benchmarks/upstream/triton_server.py"
        if FileManager.default.fileExists(atPath: local) { return local }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("upstream/triton_server.py").path
    }

    /// Everything, as asked; prints a table per workload and rate, writes
    /// `versus.json` and `versus.md` under `out`, and each Ferry run's call
    /// log (`calls-WORKLOAD-xRATE-STRATEGY-REP.jsonl`, for `bench fit-cost`).
    public func run() async throws {
        let all = try bench.loadWorkloadsAllowingLive()
        let workloads = try options.workloads.map { name in
            guard let w = all.first(where: { $0.name == name }) else {
                throw BenchError.usage("no workload named '\(name)' (have: \(all.map(\.name).joined(separator: ", ")))")
            }
            return w.lengthened(by: options.countScale)
        }
        let strategies = options.strategies.isEmpty ? try bench.strategies() : options.strategies
        let systems = options.delaysUs.map { VersusSystem.tritonBatcher(delayUs: $0) } + [.tritonAlone]
            + options.upstreamFaces.flatMap { face in options.pipelines.map { FerryUpstream(pipeline: $0, face: face) } }.flatMap { upstream in
                (options.oneACall ? [.ferryOneACall(upstream)] : [])
                    + options.priors.flatMap { prior in strategies.map { VersusSystem.ferry(strategy: $0, prior: prior, upstream: upstream) } }
            }
        try FileManager.default.createDirectory(atPath: options.out, withIntermediateDirectories: true)
        let config = "\(options.out)/minilm-model.toml"
        try Self.minilmConfig.write(toFile: config, atomically: true, encoding: .utf8)
        var runs: [Run] = []
        var markdown = ""
        let total = workloads.count * options.rates.count * options.reps * systems.count
        var done = 0
        for workload in workloads {
            progress("\(workload.name): starting \(options.delaysUs.count + 1) Tritons (\(modelArguments(workload).joined(separator: " ")))")
            let batchers = try options.delaysUs.map { delay in
                try TritonServer(script: script(), arguments: modelArguments(workload) + ["--queue-delay-us", "\(delay)"],
                                 role: VersusSystem.tritonBatcher(delayUs: delay).label)
            }
            let alone = try TritonServer(script: script(), arguments: modelArguments(workload) + ["--no-batching"],
                                         role: VersusSystem.tritonAlone.label)
            defer {
                for t in batchers { t.stop() }
                alone.stop()
            }
            for t in batchers + [alone] { try await t.waitReady() }
            for t in batchers + [alone] { try await warmUp(t, workload: workload) }
            // Each system that keeps its law gets a folder of its own for this
            // workload's Triton (a new one each workload: its calls were measured there).
            var learnedCalls: [VersusSystem: String] = [:]
            for system in systems {
                guard case let .ferry(strategy, .kept, _) = system else { continue }
                let folder = "\(options.out)/learned-\(workload.name)-\(BenchRunner.label(strategy))\(system.fileTag)"
                try? FileManager.default.removeItem(atPath: folder)
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                learnedCalls[system] = folder
            }
            for rate in options.rates {
                let arrivals = Self.scaled(workload.arrivals(seed: options.seed), by: rate)
                var here: [Run] = []
                for rep in 1...options.reps {
                    for system in Self.order(systems, rep: rep) {
                        done += 1
                        let started = ContinuousClock.now
                        let live: LiveRunner.Run
                        switch system {
                        case let .tritonBatcher(delay):
                            let triton = batchers[options.delaysUs.firstIndex(of: delay)!]
                            live = try await LiveRunner(supervisorPath: "", protocol: .oipGRPC)
                                .run(arrivals: arrivals, workload: workload, strategy: nil, config: "", url: triton.grpcAddress, progress: { _ in })
                        case .tritonAlone:
                            live = try await LiveRunner(supervisorPath: "", protocol: .oipGRPC)
                                .run(arrivals: arrivals, workload: workload, strategy: nil, config: "", url: alone.grpcAddress, progress: { _ in })
                        case let .ferryOneACall(upstream):
                            // The later --batch-limit wins: one item a call, in arrival order.
                            let runner = LiveRunner(supervisorPath: "\(bench.pluginDirectory)/supervisor", protocol: .oipGRPC,
                                                    backendArguments: Self.ferryArguments(workload, upstream: alone.url(upstream.face), config: config,
                                                                                          prior: .neutral, pipeline: upstream.pipeline)
                                                        + ["--batch-limit", "1"])
                            let log = "\(options.out)/calls-\(workload.name)-x\(Self.number(rate))-one-a-call\(system.fileTag)-\(rep).jsonl"
                            live = try await runner.run(arrivals: arrivals, workload: workload, strategy: "fifo", config: "", url: nil,
                                                        keepingCallLog: log, progress: { _ in })
                        case let .ferry(strategy, prior, upstream):
                            let runner = LiveRunner(supervisorPath: "\(bench.pluginDirectory)/supervisor", protocol: .oipGRPC,
                                                    backendArguments: Self.ferryArguments(workload, upstream: alone.url(upstream.face), config: config,
                                                                                          prior: prior, pipeline: upstream.pipeline,
                                                                                          learnedCallsDir: learnedCalls[system]))
                            let strategyConfig = workload.strategyConfig?[BenchRunner.label(strategy)] ?? ""
                            if let folder = learnedCalls[system], !FileManager.default.fileExists(atPath: "\(folder)/\(LearnedCalls.fileName(model: "classifier"))") {
                                progress("[\(done)/\(total)] \(system.label): one run first, not counted, to learn the law it keeps")
                                _ = try await runner.run(arrivals: arrivals, workload: workload, strategy: strategy, config: strategyConfig, url: nil,
                                                         progress: { _ in })
                            }
                            let tag = (prior == .neutral ? "" : "-prior-\(prior.rawValue)") + system.fileTag
                            let log = "\(options.out)/calls-\(workload.name)-x\(Self.number(rate))-\(BenchRunner.label(strategy))\(tag)-\(rep).jsonl"
                            live = try await runner.run(arrivals: arrivals, workload: workload, strategy: strategy,
                                                        config: strategyConfig, url: nil, keepingCallLog: log, progress: { _ in })
                        }
                        let figures = Figures(strategy: system.label, result: live.result, backend: workload.backend.model)
                        here.append(Run(workload: workload.name, rate: rate, rep: rep, system: system.label, figures: figures,
                                        rightAnswers: live.tally.rightLabels, wrongAnswers: live.tally.wrongLabels))
                        let elapsed = (ContinuousClock.now - started).formatted(.units(allowed: [.seconds], width: .narrow))
                        progress("[\(done)/\(total)] \(workload.name) ×\(Self.number(rate)) rep \(rep) \(system.label): mean \(Report.ms(figures.all.meanMs))\(figures.all.meanMs >= 10_000 ? "" : " ms"), \(live.tally.rightLabels) right, \(live.tally.wrongLabels) wrong (\(elapsed))")
                    }
                }
                let table = VersusTable(workload: workload, rate: rate, systems: systems.map(\.label), runs: here).text
                print(table)
                fflush(nil)  // every stream: naming `stdout` is not concurrency-safe
                markdown += table + "\n"
                runs += here
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(runs).write(to: URL(fileURLWithPath: "\(options.out)/versus.json"))
        try markdown.write(toFile: "\(options.out)/versus.md", atomically: true, encoding: .utf8)
        progress("wrote \(options.out)/versus.json and versus.md")
    }

    /// The order the systems run in repetition `rep`: as listed in odd ones,
    /// reversed in even ones. This machine's speed drifts within a run (Triton
    /// alone's mean went 22.9, 23.3, 30.6, 26.3 ms over four repetitions of
    /// one run); in a fixed order the system always run last pays the most
    /// for a machine that slows down, reversed every second repetition a
    /// steady drift falls on every system alike.
    public static func order(_ systems: [VersusSystem], rep: Int) -> [VersusSystem] {
        rep % 2 == 1 ? systems : systems.reversed()
    }

    /// A few requests through a Triton before it is measured: its first call
    /// loads the model function's imports.
    func warmUp(_ triton: TritonServer, workload: Workload) async throws {
        let arrivals = Array(workload.arrivals(seed: options.seed &+ 99).filter { $0.afterGroup == nil }.prefix(8))
            .map { Arrival(client: $0.client, timeNs: 0, length: $0.length) }
        _ = try await LiveRunner(supervisorPath: "", protocol: .oipGRPC)
            .run(arrivals: arrivals, workload: workload, strategy: nil, config: "", url: triton.grpcAddress, progress: { _ in })
    }

    /// The trace sent `rate` times as fast (closed-loop offsets shrink alike).
    public static func scaled(_ arrivals: [Arrival], by rate: Double) -> [Arrival] {
        guard rate != 1 else { return arrivals }
        return arrivals.map { a in
            var a = a
            a.timeNs = Int64((Double(a.timeNs) / rate).rounded())
            return a
        }
    }

    static func number(_ v: Double) -> String { v == v.rounded() ? String(Int(v)) : String(format: "%.2g", v) }
}
