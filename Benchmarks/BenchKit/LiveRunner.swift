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

    /// The supervisor's flags for one strategy on `backend`.
    func arguments(strategy: String, config: String, backend: Workload.Backend) -> [String] {
        var arguments = ["--strategy", strategy, "--strategy-config", config,
                         "--unit-ms", "\(backend.unitMs)", "--call-ms", "\(backend.callMs ?? 0)",
                         "--batch-limit", "\(backend.batchLimit)", "--concurrency", "\(backend.concurrency)",
                         "--max-queued", "\(backend.maxQueued ?? 100_000)"]
        if !upstreams.isEmpty { arguments += ["--backend", "http"] + upstreams.flatMap { ["--upstream", $0] } }
        return arguments
    }

    /// Runs the trace against `strategy` (started here) or `url`.
    public func run(arrivals: [Arrival], workload: Workload, strategy: String?, config: String, url: String?,
                    progress: @escaping @Sendable (String) -> Void) async throws -> Simulator.Result {
        if let url {
            let base = url.hasSuffix("/") ? String(url.dropLast()) : url
            return try await run(arrivals: arrivals, workload: workload, base: base, ferry: nil, progress: progress)
        }
        let files = try FerryFiles.temporary(prefix: "ferry-bench-")
        defer { files.remove() }
        let ferry = try FerryProcess(supervisor: supervisorPath,
                                     arguments: arguments(strategy: strategy ?? "plugins/sjf.so", config: config, backend: workload.backend),
                                     files: files)
        return try await run(arrivals: arrivals, workload: workload, base: ferry.baseURL, ferry: ferry, progress: progress)
    }

    /// Replays against `base`; with `ferry`, waits until it is ready first,
    /// stops it afterwards and takes the backend calls from its call log.
    private func run(arrivals: [Arrival], workload: Workload, base: String, ferry: FerryProcess?,
                     progress: @escaping @Sendable (String) -> Void) async throws -> Simulator.Result {
        var httpConfig = HTTPClient.Configuration()
        httpConfig.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 512
        httpConfig.timeout.connect = .seconds(10)
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfig)
        do {
            try await ferry?.waitReady(http: http)
            let result = try await replay(arrivals: arrivals, workload: workload, http: http, base: base, progress: progress)
            try await http.shutdown()
            // Stopped first, so every call the worker made is in its log.
            _ = await ferry?.stop()
            let calls = try ferry?.calls().map { Simulator.Call(startNs: $0.start_ns, endNs: $0.end_ns, items: [], size: $0.items) } ?? []
            return Simulator.Result(records: result.records, calls: calls, refusedAnswers: 0, endNs: result.endNs)
        } catch {
            try? await http.shutdown()
            _ = await ferry?.stop()
            throw error
        }
    }

    private actor Ledger {
        var records: [Simulator.Record]
        var loop: ClosedLoop
        var done = 0
        let start: ContinuousClock.Instant
        init(_ arrivals: [Arrival], backend: BackendModel, start: ContinuousClock.Instant) {
            records = arrivals.enumerated().map { i, a in
                Simulator.Record(index: i, client: a.client, length: a.length, arrivalNs: a.timeNs, startNs: nil, finishNs: nil,
                                 outcome: .ok, batchSize: 0, ownServiceNs: backend.serviceNs(lengths: [a.length]))
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
