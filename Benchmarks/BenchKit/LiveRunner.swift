import AsyncHTTPClient
import Foundation
import NIOCore
import Simulation

/// Replays a workload's trace against real HTTP or gRPC: Ferry's own
/// processes (started here, one supervisor per strategy) or any server
/// speaking the chosen face (`--url`): the seed's `/proxy_classify`
/// contract, or the Open Inference Protocol over HTTP or gRPC
/// (`LiveProtocol`; each face is a `LiveFace`, one file each).
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
    /// The face the trace is sent through.
    public let `protocol`: LiveProtocol
    /// Flags that replace the backend part of Ferry's command line (the
    /// backend kind, upstreams, cost law): how `bench versus` puts Ferry in
    /// front of Triton. Nil: the simulated backend, or `upstreams` over http.
    public let backendArguments: [String]?

    public init(supervisorPath: String, upstreams: [String] = [], protocol: LiveProtocol = .seed, backendArguments: [String]? = nil) {
        self.supervisorPath = supervisorPath
        self.upstreams = upstreams
        self.protocol = `protocol`
        self.backendArguments = backendArguments
    }

    /// One live run: the records (as the simulator's) and what the answers were.
    public struct Run: Sendable {
        public var result: Simulator.Result
        public var tally: LiveTally
    }

    /// The supervisor's flags for one strategy on `backend`.
    func arguments(strategy: String, config: String, backend: Workload.Backend) -> [String] {
        var arguments = ["--strategy", strategy, "--strategy-config", config,
                         "--batch-limit", "\(backend.batchLimit)", "--concurrency", "\(backend.concurrency)",
                         "--max-queued", "\(backend.maxQueued ?? 100_000)"]
        if let backendArguments { return arguments + backendArguments }
        arguments += ["--unit-ms", "\(backend.unitMs)", "--call-ms", "\(backend.callMs ?? 0)"]
        if !upstreams.isEmpty { arguments += ["--backend", "http"] + upstreams.flatMap { ["--upstream", $0] } }
        return arguments
    }

    /// Runs the trace against `strategy` (started here) or `url`; with
    /// `keepingCallLog`, Ferry's worker call log is copied there (for `bench fit-cost`).
    public func run(arrivals: [Arrival], workload: Workload, strategy: String?, config: String, url: String?,
                    keepingCallLog kept: String? = nil,
                    progress: @escaping @Sendable (String) -> Void) async throws -> Run {
        if let url {
            let endpoint = try LiveEndpoint.parse(url, for: `protocol`)
            return try await run(arrivals: arrivals, workload: workload, endpoint: endpoint, ferry: nil, progress: progress)
        }
        let files = try FerryFiles.temporary(prefix: "ferry-bench-")
        defer {
            if let kept {
                try? FileManager.default.removeItem(atPath: kept)
                try? FileManager.default.copyItem(at: files.callLog, to: URL(fileURLWithPath: kept))
            }
            files.remove()
        }
        let ferry = try FerryProcess(supervisor: supervisorPath,
                                     arguments: arguments(strategy: strategy ?? "plugins/sjf.so", config: config, backend: workload.backend),
                                     files: files)
        let endpoint = LiveEndpoint(httpBase: ferry.baseURL, grpcHost: "127.0.0.1", grpcPort: ferry.grpcPort)
        return try await run(arrivals: arrivals, workload: workload, endpoint: endpoint, ferry: ferry, progress: progress)
    }

    /// Replays against `endpoint`; with `ferry`, waits until it is ready first,
    /// stops it afterwards and takes the backend calls from its call log.
    private func run(arrivals: [Arrival], workload: Workload, endpoint: LiveEndpoint, ferry: FerryProcess?,
                     progress: @escaping @Sendable (String) -> Void) async throws -> Run {
        var httpConfig = HTTPClient.Configuration()
        httpConfig.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 512
        httpConfig.timeout.connect = .seconds(10)
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfig)
        do {
            try await ferry?.waitReady(http: http)
            let result = try await `protocol`.withFace(endpoint: endpoint, http: http, texts: workload.texts ?? .marked) { face in
                try await replay(arrivals: arrivals, workload: workload, face: face, progress: progress)
            }
            try await http.shutdown()
            // Stopped first, so every call the worker made is in its log.
            _ = await ferry?.stop()
            let calls = try ferry?.calls().map { Simulator.Call(startNs: $0.ranNs, endNs: $0.end_ns, items: [], size: $0.items) } ?? []
            return Run(result: Simulator.Result(records: result.records, calls: calls, refusedAnswers: 0, endNs: result.endNs),
                       tally: result.tally)
        } catch {
            try? await http.shutdown()
            _ = await ferry?.stop()
            throw error
        }
    }

    private actor Ledger {
        var records: [Simulator.Record]
        var tally: LiveTally
        var loop: ClosedLoop
        var done = 0
        let start: ContinuousClock.Instant
        init(_ arrivals: [Arrival], backend: BackendModel, protocol: LiveProtocol, start: ContinuousClock.Instant) {
            records = arrivals.enumerated().map { i, a in
                Simulator.Record(index: i, client: a.client, length: a.length, arrivalNs: a.timeNs, startNs: nil, finishNs: nil,
                                 outcome: .ok, batchSize: 0, ownServiceNs: backend.serviceNs(lengths: [a.length]))
            }
            tally = LiveTally(protocol: `protocol`)
            loop = ClosedLoop(arrivals)
            self.start = start
        }
        /// Records request `i`'s answer (a wrong label counts as failed);
        /// returns the requests it releases.
        func answered(_ i: Int, scheduledNs: Int64, finishNs: Int64, answer: LiveAnswer, expected: String) -> [Int] {
            records[i].arrivalNs = scheduledNs
            records[i].finishNs = finishNs
            records[i].outcome = answer.outcome == .ok && answer.label != expected ? .failed : answer.outcome
            tally.add(answer, expected: expected)
            done += 1
            return loop.answered(i)
        }
    }

    private func replay(arrivals: [Arrival], workload: Workload, face: any LiveFace,
                        progress: @escaping @Sendable (String) -> Void) async throws -> (records: [Simulator.Record], endNs: Int64, tally: LiveTally) {
        let start = ContinuousClock.now
        let ledger = Ledger(arrivals, backend: workload.backend.model, protocol: `protocol`, start: start)
        let style = workload.texts ?? .marked
        let texts = arrivals.indices.map { LiveTexts.text(index: $0, length: arrivals[$0].length, texts: style) }
        @Sendable func ns(_ instant: ContinuousClock.Instant) -> Int64 {
            let d = instant - start
            return d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000
        }
        /// Sends request `i` at its time; returns the requests its answer
        /// releases (a closed loop's next), each with its time.
        @Sendable func send(_ i: Int, atNs scheduled: Int64) async -> [(Int, Int64)] {
            try? await Task.sleep(until: start + .nanoseconds(scheduled), clock: .continuous)
            let answer = await face.classify(texts[i], client: arrivals[i].client, timeoutMs: arrivals[i].timeoutMs)
            let finish = ns(.now)
            let released = await ledger.answered(i, scheduledNs: scheduled, finishNs: finish, answer: answer,
                                                 expected: LiveTexts.expected(texts[i], texts: style))
            return released.map { ($0, finish + arrivals[$0].timeNs) }
        }
        let reporter = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(2))
                if Task.isCancelled { break }
                progress("  … \(await ledger.done)/\(arrivals.count) answered")
            }
        }
        // One group for the whole run: a released request is a task of its
        // own, not one nested in its predecessor's (a client's chain of
        // nested tasks lived until the run ended: 15 KB a request, 6 GB
        // resident for a closed loop of 400,000).
        await withTaskGroup(of: [(Int, Int64)].self) { group in
            for i in arrivals.indices where arrivals[i].afterGroup == nil {
                group.addTask { await send(i, atNs: arrivals[i].timeNs) }
            }
            while let released = await group.next() {
                for (j, at) in released { group.addTask { await send(j, atNs: at) } }
            }
        }
        reporter.cancel()
        let records = await ledger.records
        return (records, records.compactMap(\.finishNs).max() ?? 0, await ledger.tally)
    }
}
