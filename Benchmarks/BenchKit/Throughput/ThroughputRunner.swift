import AsyncHTTPClient
import Foundation
import Simulation

/// What `swift run bench throughput` was asked to do.
public struct ThroughputOptions: Sendable {
    /// Open-loop rates, requests/s (a ladder up to saturation).
    public var rates: [Double] = [100, 1_000, 2_000, 4_000]
    /// Seconds of traffic at each rate.
    public var seconds: Double = 3
    /// Closed-loop clients (each sends its next request when answered) and their requests in all.
    public var closedClients = 64
    public var closedRequests = 6_400
    /// Each step is run this many times, bare and Ferry in turn; the order
    /// flips each round, so over an even number of rounds a machine that
    /// drifts favours neither. The table gives medians and the spread of
    /// Ferry ÷ bare across rounds.
    public var rounds = 4
    public var faces: [LiveProtocol] = LiveProtocol.allCases
    public var out = "Benchmarks/results/throughput"
    public var quiet = false

    public init() {}
}

/// Ferry's own cost, as a ratio to a server that answers at once: Ferry on a
/// zero-cost simulated backend and `bench bare-server` (same faces, same
/// libraries, no batching, no hops) take the same load — open loop at each
/// rate of the ladder, then a closed-loop maximum — one after the other
/// (interleaved: bare and Ferry in turn at each step, `rounds` times), over
/// each face. Reported: achieved rate, p50/p99/p99.9, and the CPU each of
/// Ferry's processes spent per request (from `/proc`, pids as the supervisor
/// reports them); the table gives each figure's median over the rounds.
public struct ThroughputRunner {
    public let options: ThroughputOptions
    /// The `bench` executable (for `bare-server`) and `supervisor`.
    public let benchPath: String
    public let supervisorPath: String

    public init(options: ThroughputOptions, benchPath: String, supervisorPath: String) {
        self.options = options
        self.benchPath = benchPath
        self.supervisorPath = supervisorPath
    }

    /// One measurement.
    public struct Row: Codable, Sendable {
        public var face: String
        public var target: String
        public var load: String
        /// Which round of the step (1…`rounds`).
        public var round: Int
        public var offeredPerS: Double?
        public var achievedPerS: Double
        public var p50Ms: Double
        public var p99Ms: Double
        public var p999Ms: Double
        public var notOK: Int
        /// CPU µs per answered request, by process (Ferry's children, or "bare").
        public var cpuUsPerRequest: [String: Double]
    }

    func progress(_ line: String) {
        if !options.quiet { FileHandle.standardError.write(Data((line + "\n").utf8)) }
    }

    /// The zero-cost backend Ferry runs on, and a load of `clients`.
    static func workload(_ clients: [ClientSpec]) -> Workload {
        Workload(name: "throughput", description: "zero-cost backend", liveOnly: true,
                 backend: .init(batchLimit: 8, concurrency: 4, unitMs: 0, callMs: 0, maxQueued: 100_000),
                 strategyConfig: nil, clients: clients, texts: nil)
    }

    static func open(rate: Double, seconds: Double) -> [ClientSpec] {
        [ClientSpec(name: "load", shape: "poisson", length: [5, 20], count: max(1, Int(rate * seconds)), ratePerS: rate)]
    }

    static func closed(clients: Int, requests: Int) -> [ClientSpec] {
        (0..<clients).map { ClientSpec(name: "c\($0)", shape: "serial", length: [5, 20], count: max(1, requests / clients), gapMs: [0, 0]) }
    }

    /// CPU seconds (user + system) `pid` has used, from `/proc/PID/stat`.
    static func cpuSeconds(_ pid: Int32) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the command: state is field 3, utime 14 and stime 15 (1-based over the whole line).
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    public func run() async throws -> [Row] {
        try FileManager.default.createDirectory(atPath: options.out, withIntermediateDirectories: true)
        let bare = try BareProcess(bench: benchPath)
        defer { bare.stop() }
        let files = try FerryFiles.temporary(prefix: "ferry-throughput-")
        defer { files.remove() }
        let ferry = try FerryProcess(supervisor: supervisorPath,
                                     arguments: ["--strategy", "plugins/sjf.so", "--unit-ms", "0", "--call-ms", "0", "--batch-limit", "8",
                                                 "--concurrency", "4", "--max-queued", "100000", "--log-level", "warning"],
                                     files: files, callLog: false)
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            try await ferry.waitReady(http: http)
            try await http.shutdown()
        } catch {
            try? await http.shutdown()
            _ = await ferry.stop()
            throw error
        }
        try await bare.waitReady()
        let ferryPids = ["ingress", "scheduler", "worker"].compactMap { name in ferry.pid(of: name).map { (name, $0) } } + [("supervisor", ferry.pid)]
        // The load client (this process) shares the cores: its CPU says how much of them was left to the server.
        let client = ("client", getpid())
        var rows: [Row] = []
        let loads: [(String, Double?, Workload)] = options.rates.map { rate in
            ("open \(Int(rate))/s", rate, Self.workload(Self.open(rate: rate, seconds: options.seconds)))
        } + [("closed \(options.closedClients)", nil, Self.workload(Self.closed(clients: options.closedClients, requests: options.closedRequests)))]
        for face in options.faces {
            for (load, offered, workload) in loads {
                for round in 1...max(1, options.rounds) {
                    let targets = [("bare", bare.url(for: face), [("bare", bare.pid), client]),
                                   ("ferry", face == .oipGRPC ? ferry.grpcAddress : ferry.baseURL, ferryPids + [client])]
                    for (target, url, pids) in round % 2 == 1 ? targets : targets.reversed() {
                        // Each round its own draw of arrivals, the same for bare and Ferry.
                        let arrivals = workload.arrivals(seed: UInt64(round))
                        let before = pids.map { Self.cpuSeconds($0.1) }
                        let live = try await LiveRunner(supervisorPath: "", protocol: face)
                            .run(arrivals: arrivals, workload: workload, strategy: nil, config: "", url: url, progress: { _ in })
                        let after = pids.map { Self.cpuSeconds($0.1) }
                        let row = Self.row(face: face, target: target, load: load, round: round, offered: offered, result: live.result,
                                           cpu: Dictionary(uniqueKeysWithValues: zip(pids.map(\.0), zip(before, after).map { $1 - $0 })))
                        rows.append(row)
                        progress("\(face.rawValue) \(load) round \(round) \(target): \(String(format: "%.0f", row.achievedPerS))/s, p50 \(Report.ms(row.p50Ms)) p99 \(Report.ms(row.p99Ms)) ms, \(row.notOK) not ok")
                    }
                }
            }
            print(ThroughputTable(face: face, rows: rows.filter { $0.face == face.rawValue }).text)
            fflush(nil)  // every stream: naming `stdout` is not concurrency-safe
        }
        _ = await ferry.stop()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(rows).write(to: URL(fileURLWithPath: "\(options.out)/throughput.json"))
        return rows
    }

    static func row(face: LiveProtocol, target: String, load: String, round: Int, offered: Double?, result: Simulator.Result,
                    cpu: [String: Double]) -> Row {
        let ok = result.records.filter { $0.outcome == .ok }
        let latencies = ok.compactMap(\.latencyNs).sorted()
        func pct(_ p: Double) -> Double {
            guard !latencies.isEmpty else { return 0 }
            return Double(latencies[min(latencies.count - 1, Int((Double(latencies.count) * p).rounded(.up)) - 1)]) / 1e6
        }
        let first = result.records.map(\.arrivalNs).min() ?? 0
        let span = Double(max(1, result.endNs - first)) / 1e9
        return Row(face: face.rawValue, target: target, load: load, round: round, offeredPerS: offered, achievedPerS: Double(ok.count) / span,
                   p50Ms: pct(0.5), p99Ms: pct(0.99), p999Ms: pct(0.999), notOK: result.records.count - ok.count,
                   cpuUsPerRequest: cpu.mapValues { ok.isEmpty ? 0 : $0 / Double(ok.count) * 1e6 })
    }
}
