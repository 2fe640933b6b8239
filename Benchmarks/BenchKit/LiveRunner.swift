import AsyncHTTPClient
import Foundation
import NIOCore
import Simulation

/// Replays a workload's trace against real HTTP: Ferry's own processes
/// (started here, one supervisor per strategy) or any server speaking the
/// seed's `/proxy_classify` contract (`--url`).
///
/// Open loop: each request is sent at its scheduled time whether or not
/// earlier ones were answered, and its latency counts from that scheduled
/// time, so a stall in Ferry (or in this sender) cannot hide latency.
/// Closed-loop clients release their next burst when the previous one is
/// answered, by the same rule as the simulator (`ClosedLoop`).
public struct LiveRunner: Sendable {
    public let supervisorPath: String
    /// When not empty, Ferry forwards to these model servers (`--backend http`)
    /// rather than simulating the workload's backend; they must model the
    /// same backend (unit ms, batch limit, one call at a time) for the
    /// simulated comparison and the lower bound to mean anything.
    public let upstreams: [String]

    public init(supervisorPath: String, upstreams: [String] = []) {
        self.supervisorPath = supervisorPath
        self.upstreams = upstreams
    }

    /// A started Ferry for one strategy.
    final class Ferry {
        let process = Process()
        let port: Int
        let directory: URL
        var callLog: URL { directory.appendingPathComponent("calls.jsonl") }
        var logFile: URL { directory.appendingPathComponent("supervisor.log") }

        init(supervisor: String, strategy: String, config: String, backend: Workload.Backend, upstreams: [String]) throws {
            port = try freePort()
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-bench-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory.appendingPathComponent("run"), withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: directory.appendingPathComponent("supervisor.log").path, contents: nil)
            process.executableURL = URL(fileURLWithPath: supervisor)
            process.arguments = ["--strategy", strategy, "--strategy-config", config, "--port", "\(port)",
                                 "--unit-ms", "\(backend.unitMs)", "--call-ms", "\(backend.callMs ?? 0)",
                                 "--batch-limit", "\(backend.batchLimit)", "--concurrency", "\(backend.concurrency)",
                                 "--max-queued", "\(backend.maxQueued ?? 100_000)",
                                 "--runtime-dir", directory.appendingPathComponent("run").path,
                                 "--worker-call-log", directory.appendingPathComponent("calls.jsonl").path]
            if !upstreams.isEmpty { process.arguments! += ["--backend", "http"] + upstreams.flatMap { ["--upstream", $0] } }
            let log = try FileHandle(forWritingTo: directory.appendingPathComponent("supervisor.log"))
            process.standardOutput = log
            process.standardError = log
            try process.run()
        }

        func stop() {
            if process.isRunning {
                kill(process.processIdentifier, SIGTERM)
                process.waitUntilExit()
            }
            try? FileManager.default.removeItem(at: directory)
        }

        var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

        func calls() -> [Simulator.Call] {
            struct Line: Decodable { let items: Int; let start_ns: Int64; let end_ns: Int64 }
            let text = (try? String(contentsOf: callLog, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").compactMap { try? JSONDecoder().decode(Line.self, from: Data($0.utf8)) }
                .map { Simulator.Call(startNs: $0.start_ns, endNs: $0.end_ns, items: [], size: $0.items) }
        }
    }

    /// Runs the trace against `strategy` (started here) or `url`.
    public func run(arrivals: [Arrival], workload: Workload, strategy: String?, config: String, url: String?,
                    progress: @escaping @Sendable (String) -> Void) async throws -> Simulator.Result {
        var ferry: Ferry?
        let base: String
        if let url {
            base = url.hasSuffix("/") ? String(url.dropLast()) : url
        } else {
            let started = try Ferry(supervisor: supervisorPath, strategy: strategy ?? "plugins/sjf.so", config: config, backend: workload.backend,
                                  upstreams: upstreams)
            ferry = started
            base = "http://127.0.0.1:\(started.port)"
        }
        defer { ferry?.stop() }
        var httpConfig = HTTPClient.Configuration()
        httpConfig.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 512
        httpConfig.timeout.connect = .seconds(10)
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfig)
        do {
            if let ferry { try await waitReady(http: http, base: base, ferry: ferry) }
            let result = try await replay(arrivals: arrivals, workload: workload, http: http, base: base, progress: progress)
            try await http.shutdown()
            let calls = ferry?.calls() ?? []
            return Simulator.Result(records: result.records, calls: calls, refusedAnswers: 0, endNs: result.endNs)
        } catch {
            try? await http.shutdown()
            throw error
        }
    }

    private func waitReady(http: HTTPClient, base: String, ferry: Ferry) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if !ferry.process.isRunning { throw BenchError.live("Ferry exited before it was ready:\n\(ferry.log)") }
            if let r = try? await http.get(url: "\(base)/readyz").get(), r.status == .ok { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw BenchError.live("Ferry was not ready within 60 s:\n\(ferry.log)")
    }

    private actor Ledger {
        var records: [Simulator.Record]
        var loop: ClosedLoop
        var done = 0
        let start: ContinuousClock.Instant
        init(_ arrivals: [Arrival], backend: BackendModel, start: ContinuousClock.Instant) {
            records = arrivals.enumerated().map { i, a in
                Simulator.Record(index: i, client: a.client, length: a.length, arrivalNs: a.timeNs, startNs: nil, finishNs: nil,
                                 outcome: .ok, batchSize: 0, ownServiceNs: backend.serviceNs(longest: a.length))
            }
            loop = ClosedLoop(arrivals)
            self.start = start
        }
        func answered(_ i: Int, scheduledNs: Int64, finishNs: Int64, outcome: Simulator.Record.Outcome) -> [Int] {
            records[i].arrivalNs = scheduledNs
            records[i].finishNs = finishNs
            records[i].outcome = outcome
            done += 1
            return loop.answered(i)
        }
    }

    private func replay(arrivals: [Arrival], workload: Workload, http: HTTPClient, base: String,
                        progress: @escaping @Sendable (String) -> Void) async throws -> (records: [Simulator.Record], endNs: Int64) {
        let start = ContinuousClock.now
        let ledger = Ledger(arrivals, backend: workload.backend.model, start: start)
        let texts = arrivals.map { String(repeating: "x", count: $0.length) }
        @Sendable func ns(_ instant: ContinuousClock.Instant) -> Int64 {
            let d = instant - start
            return d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000
        }
        @Sendable func send(_ i: Int, atNs scheduled: Int64) async {
            try? await Task.sleep(until: start + .nanoseconds(scheduled), clock: .continuous)
            let outcome = await post(texts[i], client: arrivals[i].client, timeoutMs: arrivals[i].timeoutMs, http: http, base: base)
            let finish = ns(.now)
            let released = await ledger.answered(i, scheduledNs: scheduled, finishNs: finish, outcome: outcome)
            await withTaskGroup(of: Void.self) { group in
                for j in released { group.addTask { await send(j, atNs: finish + arrivals[j].timeNs) } }
            }
        }
        let reporter = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(2))
                if Task.isCancelled { break }
                progress("  … \(await ledger.done)/\(arrivals.count) answered")
            }
        }
        await withTaskGroup(of: Void.self) { group in
            for i in arrivals.indices where arrivals[i].afterGroup == nil {
                group.addTask { await send(i, atNs: arrivals[i].timeNs) }
            }
        }
        reporter.cancel()
        let records = await ledger.records
        return (records, records.compactMap(\.finishNs).max() ?? 0)
    }

    private func post(_ text: String, client: String, timeoutMs: Int?, http: HTTPClient, base: String) async -> Simulator.Record.Outcome {
        var request = HTTPClientRequest(url: "\(base)/proxy_classify")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "X-Client-Id", value: client)
        if let timeoutMs { request.headers.add(name: "X-Timeout-Ms", value: "\(timeoutMs)") }
        request.body = .bytes(ByteBuffer(string: "{\"sequence\":\"\(text)\"}"))
        do {
            let response = try await http.execute(request, timeout: .seconds(300))
            _ = try await response.body.collect(upTo: 1 << 16)
            switch response.status.code {
            case 200: return .ok
            case 429: return .rejected
            case 504: return .expired
            default: return .failed
            }
        } catch {
            return .failed
        }
    }
}

/// A TCP port nobody listens on right now (for live runs and tests).
public enum FreePort {
    public static func find() throws -> Int { try freePort() }
}

func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &addr) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
            bind(fd, sa, len) == 0 && getsockname(fd, sa, &len) == 0
        }
    }
    guard ok else { throw BenchError.live("cannot find a free port") }
    return Int(UInt16(bigEndian: addr.sin_port))
}
