import Foundation
import Scheduling
import Simulation
import StrategyHost

/// What `swift run bench` was asked to do.
public struct BenchOptions: Sendable {
    public var strategies: [String] = []
    public var workloads: [String] = []
    public var seed: UInt64 = 1
    public var out = "Benchmarks/results"
    public var baseline: String?
    public var sla: SLA?
    public var live = false
    public var url: String?
    /// With `live`: model servers Ferry's worker forwards to (`--backend http`)
    /// instead of its simulated backend.
    public var upstreams: [String] = []
    /// With `live`: the face the trace goes through (the seed's route by default).
    public var `protocol`: LiveProtocol = .seed
    public var decisionCost = true
    public var decisionDepths = [10, 1_000, 100_000]
    public var workloadDirectory: String?
    public var quiet = false

    public init() {}
}

/// Runs every selected strategy on every selected workload, prints the
/// tables, writes the result files, and applies the SLA gate.
public struct BenchRunner {
    public let options: BenchOptions
    let pluginDirectory = StrategyLocator.executableDirectory()

    public init(options: BenchOptions) {
        self.options = options
    }

    /// Where the workload files are: `--workloads-dir`, else
    /// `Benchmarks/workloads` under the current directory, else beside this source.
    public func workloadDirectory() -> String {
        if let dir = options.workloadDirectory { return dir }
        if FileManager.default.fileExists(atPath: "Benchmarks/workloads") { return "Benchmarks/workloads" }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("workloads").path
    }

    /// Every workload file, live-only ones included.
    public func loadWorkloadsAllowingLive() throws -> [Workload] {
        var options = options
        options.live = true
        options.workloads = []
        return try BenchRunner(options: options).loadWorkloads()
    }

    public func loadWorkloads() throws -> [Workload] {
        let dir = workloadDirectory()
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".toml") }.sorted()
        guard !files.isEmpty else { throw BenchError.usage("no workload files (*.toml) in \(dir)") }
        var all = try files.map { try Workload.load(path: "\(dir)/\($0)") }
        all.sort { $0.name < $1.name }
        guard !options.workloads.isEmpty else { return all.filter { options.live || $0.liveOnly != true } }
        return try options.workloads.map { name in
            guard let w = all.first(where: { $0.name == name }) else {
                throw BenchError.usage("no workload named '\(name)' in \(dir) (have: \(all.map(\.name).joined(separator: ", ")))")
            }
            if w.liveOnly == true && !options.live { throw BenchError.usage("workload '\(name)' runs live only: add --live") }
            return w
        }
    }

    /// Strategy names (built-ins) or plugin paths, in table order.
    public func strategies() throws -> [String] {
        if !options.strategies.isEmpty { return options.strategies }
        let names = BuiltinStrategies.discover(in: pluginDirectory)
        guard !names.isEmpty else { throw BenchError.usage("no strategy plugins beside the bench in \(pluginDirectory); run `swift build` first") }
        return names
    }

    /// Each strategy's decision cost at every depth of `options.decisionDepths`:
    /// the median of `reps` measurements of `decisions` decisions each (the
    /// machine's noise moves single runs by tens of percent).
    public func decisionCosts(_ strategies: [String], decisions: Int = 2000, reps: Int = 1,
                              progress: (String) -> Void) throws -> [String: [DecisionCost]] {
        var costs: [String: [DecisionCost]] = [:]
        for strategy in strategies {
            progress("decision cost: \(Self.label(strategy)) at depths \(options.decisionDepths.map(String.init).joined(separator: ", "))")
            costs[Self.label(strategy)] = try options.decisionDepths.map { depth in
                let runs = try (0..<max(1, reps)).map { _ in
                    DecisionCost.measure(try load(strategy, config: ""), depth: depth, batchLimit: 5, decisions: decisions)
                }
                return runs.sorted { $0.nsPerDecision < $1.nsPerDecision }[runs.count / 2]
            }
        }
        return costs
    }

    func load(_ strategy: String, config: String) throws -> PluginStrategy {
        let path = try StrategyLocator(builtinDirectory: pluginDirectory).resolve(strategy)
        return try PluginLoader.load(path: path, config: config)
    }

    static func label(_ strategy: String) -> String {
        var name = strategy
        if let slash = name.lastIndex(of: "/") { name = String(name[name.index(after: slash)...]) }
        if name.hasSuffix(".so") { name.removeLast(3) }
        if name.hasPrefix("lib") { name.removeFirst(3) }
        return name
    }

    /// One simulated run.
    public func simulate(_ workload: Workload, strategy: String, seed: UInt64) throws -> (Figures, Simulator.Result) {
        let plugin = try load(strategy, config: workload.strategyConfig?[Self.label(strategy)] ?? "")
        let sim = Simulator(backend: workload.backend.model, maxQueued: workload.backend.maxQueued ?? 100_000)
        let result = sim.run(workload.arrivals(seed: seed), strategy: plugin)
        return (Figures(strategy: Self.label(strategy), result: result, backend: workload.backend.model), result)
    }

    /// Everything, as asked. Returns the process exit code (2: SLA unmet).
    public func run() async throws -> Int32 {
        let workloads = try loadWorkloads()
        let strategies = options.url != nil ? ["url"] : try strategies()
        try FileManager.default.createDirectory(atPath: options.out, withIntermediateDirectories: true)
        var summary = Summary(seed: options.seed, mode: options.live ? "live" : "simulated",
                              protocol: options.live ? options.protocol : nil, workloads: [])
        var csv = "workload,strategy,request,client,length,arrival_ms,start_ms,finish_ms,latency_ms,outcome,batch_size\n"
        var failures: [String] = []
        let total = workloads.count * strategies.count
        var done = 0
        for workload in workloads {
            var rows: [Figures] = []
            var latencies: [String: [Double]] = [:]
            var overheads: [String] = []
            var answers: [String: LiveTally] = [:]
            for strategy in strategies {
                done += 1
                let started = ContinuousClock.now
                let label = Self.label(strategy)
                var simulated: (Figures, Simulator.Result)?
                if workload.liveOnly != true && options.url == nil {
                    simulated = try simulate(workload, strategy: strategy, seed: options.seed)
                }
                var figures: Figures
                var result: Simulator.Result
                if options.live {
                    let runner = LiveRunner(supervisorPath: "\(pluginDirectory)/supervisor", upstreams: options.upstreams,
                                            protocol: options.protocol)
                    let quiet = options.quiet
                    let run = try await runner.run(arrivals: workload.arrivals(seed: options.seed), workload: workload,
                                                   strategy: strategy, config: workload.strategyConfig?[label] ?? "",
                                                   url: options.url, progress: { if !quiet { FileHandle.standardError.write(Data(($0 + "\n").utf8)) } })
                    result = run.result
                    answers[label] = run.tally
                    figures = Figures(strategy: label, result: result, backend: workload.backend.model)
                    if let (sim, _) = simulated {
                        overheads.append(Overhead(strategy: label, live: figures.all, simulated: sim.all).line)
                    }
                } else {
                    (figures, result) = simulated!
                }
                rows.append(figures)
                latencies[label] = result.records.filter { $0.outcome == .ok }.compactMap { $0.latencyNs.map { Double($0) / 1e6 } }
                for r in result.records {
                    csv += "\(workload.name),\(label),\(r.index),\(r.client),\(r.length),\(ms(r.arrivalNs)),\(r.startNs.map(ms) ?? ""),\(r.finishNs.map(ms) ?? ""),\(r.latencyNs.map(ms) ?? ""),\(r.outcome.rawValue),\(r.batchSize)\n"
                }
                if let sla = options.sla {
                    failures += sla.failures(figures).map { "\(workload.name) × \(label): \($0)" }
                }
                let elapsed = ContinuousClock.now - started
                progress("[\(done)/\(total)] \(workload.name) × \(label): mean \(Report.ms(figures.all.meanMs)) ms (\(elapsed.formatted(.units(allowed: [.seconds, .milliseconds], width: .narrow))))")
            }
            print(Report.table(workload: workload, rows: rows, baseline: options.baseline), terminator: "")
            if options.live {
                print("   answers over \(Self.describe(options.protocol)):")
                for row in rows { if let tally = answers[row.strategy] { print("   \(row.strategy): " + tally.line) } }
            }
            fflush(nil)  // every stream: naming `stdout` is not concurrency-safe
            if !overheads.isEmpty {
                print(options.upstreams.isEmpty ? "   live vs simulated (Ferry's overhead):"
                                                : "   live in front of \(options.upstreams.joined(separator: ", ")) vs simulated (Ferry's and the upstream's overhead):")
                for line in overheads { print("   " + line) }
                fflush(nil)  // every stream: naming `stdout` is not concurrency-safe
            }
            summary.workloads.append(.init(name: workload.name, description: workload.description, backend: workload.backend, figures: rows,
                                           answers: options.live ? answers : nil))
            try Charts.page(workload: "\(workload.name) — \(workload.description)", rows: rows, latencies: latencies)
                .write(toFile: "\(options.out)/\(workload.name).svg", atomically: true, encoding: .utf8)
        }
        if options.decisionCost && !options.live {
            let costs = try decisionCosts(strategies, progress: progress)
            print(Report.decisionTable(costs), terminator: "")
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(costs).write(to: URL(fileURLWithPath: "\(options.out)/decision-cost.json"))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(summary).write(to: URL(fileURLWithPath: "\(options.out)/summary.json"))
        try csv.write(toFile: "\(options.out)/requests.csv", atomically: true, encoding: .utf8)
        print("\nresults: \(options.out)/summary.json, requests.csv, <workload>.svg\(options.decisionCost && !options.live ? ", decision-cost.json" : "")")
        if options.sla != nil {
            if failures.isEmpty {
                print("SLA met")
            } else {
                print("SLA not met:")
                for f in failures { print("  " + f) }
                return 2
            }
        }
        return 0
    }

    public func progress(_ line: String) {
        if !options.quiet { FileHandle.standardError.write(Data((line + "\n").utf8)) }
    }

    func ms(_ ns: Int64) -> String { String(format: "%.3f", Double(ns) / 1e6) }

    /// The face, in words, for the report.
    static func describe(_ p: LiveProtocol) -> String {
        switch p {
        case .seed: "the seed's POST /proxy_classify (--protocol seed)"
        case .oipHTTP: "the Open Inference Protocol over HTTP, POST /v2/models/\(LiveProtocol.model)/infer (--protocol oip-http)"
        case .oipGRPC: "the Open Inference Protocol over gRPC, ModelInfer (--protocol oip-grpc)"
        }
    }
}

/// The JSON summary: deterministic for a given seed (no times of day, sorted keys).
public struct Summary: Codable {
    public struct Entry: Codable {
        public var name: String
        public var description: String
        public var backend: Workload.Backend
        public var figures: [Figures]
        /// Live runs: per strategy, the answers by status and right/wrong label.
        public var answers: [String: LiveTally]?
    }
    public var seed: UInt64
    public var mode: String
    /// Live runs: the face the trace went through.
    public var `protocol`: LiveProtocol?
    public var workloads: [Entry]
}

/// Ferry's own cost: live minus simulated, compared as distributions (mean,
/// p50, p99). Requests are not paired one to one: under bursts the order in
/// which simultaneous requests reach Ferry is not the trace's, so a per-request
/// difference would measure that shuffle rather than Ferry.
struct Overhead {
    let line: String

    init(strategy: String, live: LatencyFigures, simulated: LatencyFigures) {
        let diff = simulated.meanMs > 0 ? (live.meanMs - simulated.meanMs) / simulated.meanMs * 100 : 0
        line = "\(strategy): live mean " + String(format: "%.2f ms vs simulated %.2f ms (%+.1f%%); p50 %+.2f ms, p99 %+.2f ms",
                                                 live.meanMs, simulated.meanMs, diff, live.p50Ms - simulated.p50Ms, live.p99Ms - simulated.p99Ms)
    }
}
