import StrategySDK
import BenchKit
import Foundation
import Scheduling
import Simulation
import Testing
import TestSupport

@Suite struct SimulatorAccountingTests {
    static let ms: Int64 = 1_000_000

    @Test func aTinyTraceGivesTheHandComputedFigures() {
        // Batch limit 2, one call at a time, 1 ms × len².
        let backend = BackendModel(batchLimit: 2, concurrency: 1, unitNs: 1e6)
        let trace = [
            Arrival(client: "A", timeNs: 0, length: 10),           // call 1: [A, B] 0 → 400 ms
            Arrival(client: "B", timeNs: 0, length: 20),
            Arrival(client: "C", timeNs: 50 * Self.ms, length: 5), // call 2: [C] 400 → 425 ms
        ]
        let result = Simulator(backend: backend).run(trace, strategy: OldestFirst())
        #expect(result.records.map(\.latencyNs) == [400 * Self.ms, 400 * Self.ms, 375 * Self.ms])
        #expect(result.calls.map(\.size) == [2, 1])
        #expect(result.calls.map(\.startNs) == [0, 400 * Self.ms])
        let f = Figures(strategy: "oldest-first", result: result, backend: backend)
        #expect(f.batchFill == 0.75)
        #expect(f.utilisation == 1.0)
        #expect(f.calls == 2)
        #expect(abs(f.all.meanMs - 391.666_666) < 0.001)
        // Own service: A 100 ms, B 400 ms, C 25 ms → slowdowns 4, 1, 15.
        #expect(abs(f.all.meanSlowdown - (4 + 1 + 15) / 3) < 1e-9)
        #expect(f.clients["C"]?.meanSlowdown == 15)
        // Each alone in arrival order: A 0 → 100, B 100 → 500, C 500 → 525 ms (flows 100, 500, 475).
        #expect(abs(f.inOrderAloneMs - 358.333_333) < 0.001)
    }

    @Test func closedLoopBurstsWaitForTheirAnswers() {
        let backend = BackendModel(batchLimit: 5, concurrency: 1, unitNs: 1e6)
        let trace = [
            Arrival(client: "A", timeNs: 0, length: 10, group: 0),
            Arrival(client: "A", timeNs: 0, length: 10, group: 0),
            Arrival(client: "A", timeNs: 7 * Self.ms, length: 10, group: 1, afterGroup: 0),  // 7 ms after both answered
        ]
        let result = Simulator(backend: backend).run(trace, strategy: OldestFirst())
        #expect(result.records[2].arrivalNs == 107 * Self.ms)
        #expect(result.records[2].finishNs == 207 * Self.ms)
    }

    @Test func rejectedAndExpiredAreCounted() {
        let backend = BackendModel(batchLimit: 1, concurrency: 1, unitNs: 1e6)
        let trace = [
            Arrival(client: "A", timeNs: 0, length: 10),                  // runs 0 → 100 ms
            Arrival(client: "A", timeNs: 0, length: 10, timeoutMs: 50),   // expires at 50 ms
            Arrival(client: "A", timeNs: 0, length: 10),                  // queue full (bound 2)
        ]
        let result = Simulator(backend: backend, maxQueued: 2).run(trace, strategy: OldestFirst())
        #expect(result.records.map(\.outcome) == [.ok, .expired, .rejected])
        #expect(result.records[1].finishNs == 50 * Self.ms)
        let f = Figures(strategy: "x", result: result, backend: backend)
        #expect(f.rejected == 1 && f.expired == 1 && f.all.count == 1)
    }
}

@Suite struct InOrderAloneTests {
    @Test func handComputedFlows() {
        // One server: 0..10, then 10..15 (released at 2: flow 13), then 20..21 (idle gap).
        #expect(InOrderAlone.meanFlowNs([(0, 10), (2, 5), (20, 1)], servers: 1) == 8)
        // Two servers: both start at once; the third waits for the first free one (at 4).
        #expect(InOrderAlone.meanFlowNs([(0, 4), (0, 6), (1, 2)], servers: 2) == 5)
        #expect(InOrderAlone.meanFlowNs([], servers: 1) == 0)
    }

    /// It is what the simulator gives for oldest-first with a batch limit of
    /// one, on a shipped workload's trace — and never under the lower bound.
    @Test func itIsTheSimulatorsOneItemACallInArrivalOrder() throws {
        let workload = try Workload.load(path: Repository.root.appendingPathComponent("Benchmarks/workloads/minilm-mix.toml").path)
        for concurrency in [1, 2] {
            var law = workload.backend.model
            law.batchLimit = 1
            law.concurrency = concurrency
            let result = Simulator(backend: law).run(workload.arrivals(seed: 7), strategy: OldestFirst())
            let f = Figures(strategy: "oldest-first", result: result, backend: law)
            #expect(f.all.count == 450)
            #expect(abs(f.inOrderAloneMs - f.all.meanMs) < 1e-6, "concurrency \(concurrency): \(f.inOrderAloneMs) against \(f.all.meanMs)")
            #expect(f.inOrderAloneMs >= f.boundMs)
        }
    }
}

@Suite struct LowerBoundTests {
    @Test func handComputedBounds() {
        // Two jobs of 100 at once, speedup 2: own-service mean 100 wins over SRPT's 75.
        #expect(LowerBound.meanNs([(0, 100), (0, 100)], speedup: 2) == 100)
        // Four jobs of 100 at once on a plain machine: SRPT finishes at 100..400, mean 250.
        #expect(LowerBound.meanNs([(0, 100), (0, 100), (0, 100), (0, 100)], speedup: 1) == 250)
        // Preemption: a long job is interrupted by a short one (1 machine):
        // long 0..10 runs 0..2, short 2..3, long 3..11 → flows 11 and 1.
        #expect(LowerBound.srptMeanFlowNs([(0, 10), (2, 1)], speedup: 1) == 6)
    }

    @Test func theBoundIsNeverAboveAnyStrategysMeanOnAnyShippedWorkload() throws {
        var options = BenchOptions()
        options.workloadDirectory = Repository.root.appendingPathComponent("Benchmarks/workloads").path
        let runner = BenchRunner(options: options)
        let workloads = try runner.loadWorkloads()
        #expect(workloads.count >= 9)
        for workload in workloads {
            for strategy in try runner.strategies() {
                let (f, _) = try runner.simulate(workload, strategy: strategy, seed: 1)
                #expect(f.boundMs <= f.all.meanMs + 1e-9, "\(workload.name) × \(strategy): bound \(f.boundMs) > mean \(f.all.meanMs)")
                #expect(f.refusedAnswers == 0, "\(workload.name) × \(strategy)")
            }
        }
    }
}

@Suite(.serialized) struct BenchCommandTests {
    func bench(_ arguments: [String], workloads: String? = nil) async throws -> (status: Int32, output: String) {
        try await BuildProducts.runBench(arguments + ["--workloads-dir", workloads ?? Repository.root.appendingPathComponent("Benchmarks/workloads").path])
    }

    func temp() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("ferry-bench-test-\(UUID().uuidString)").path
    }

    /// A new folder holding one workload file, `NAME.toml`.
    func workloadFolder(_ name: String, _ toml: String) throws -> String {
        let dir = temp()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try toml.write(toFile: "\(dir)/\(name).toml", atomically: true, encoding: .utf8)
        return dir
    }

    @Test func theSameSeedGivesAByteIdenticalSummary() async throws {
        let a = temp(), b = temp()
        let common = ["--workload", "seed-mix,llm-pipeline", "--no-decision-cost", "--quiet", "--seed", "7"]
        #expect(try await bench(common + ["--out", a]).status == 0)
        #expect(try await bench(common + ["--out", b]).status == 0)
        let first = try Data(contentsOf: URL(fileURLWithPath: "\(a)/summary.json"))
        let second = try Data(contentsOf: URL(fileURLWithPath: "\(b)/summary.json"))
        #expect(first == second)
        #expect(first.count > 1000)
        // And the other files are there: a CSV row per request, an SVG per workload.
        let csv = try String(contentsOfFile: "\(a)/requests.csv", encoding: .utf8)
        let rows = csv.split(separator: "\n").count
        let expectedRows = 1 + 8 * (512 + 20)
        #expect(rows == expectedRows)
        #expect(FileManager.default.fileExists(atPath: "\(a)/seed-mix.svg"))
        let different = try await bench(["--workload", "seed-mix", "--no-decision-cost", "--quiet", "--seed", "8", "--out", b])
        #expect(different.status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(b)/summary.json")) != first)
    }

    @Test func theSLAGateExitsZeroWhenMetAndTwoWhenNot() async throws {
        let common = ["--workload", "low-load", "--strategy", "sjf", "--no-decision-cost", "--quiet", "--out", temp()]
        let met = try await bench(common + ["--sla", "mean<=10s,jain>=0.5"])
        #expect(met.status == 0 && met.output.contains("SLA met"))
        let unmet = try await bench(common + ["--sla", "p99<=1ms"])
        #expect(unmet.status == 2)
        #expect(unmet.output.contains("low-load × sjf: p99<=1ms not met"))
        let malformed = try await bench(common + ["--sla", "p99 about 2s"])
        #expect(malformed.status == 64 && malformed.output.contains("no comparison"))
        let unknown = try await bench(common + ["--sla", "speed>=3"])
        #expect(unknown.status == 64 && unknown.output.contains("unknown metric 'speed'"))
    }

    @Test func aZeroCostBackendShowsNoSlowdownFairnessOrBound() async throws {
        let dir = try workloadFolder("free", """
        name = "free"
        description = "a zero-cost backend"
        [backend]
        batch_limit = 5
        concurrency = 1
        unit_ms = 0.0
        [[clients]]
        name = "A"
        shape = "paced"
        bursts = 1
        per_burst = 20
        gap_ms = [1, 2]
        length = [5, 20]
        """)
        let run = try await bench(["--workload", "free", "--strategy", "sjf,fifo", "--no-decision-cost", "--quiet", "--out", "\(dir)/out"], workloads: dir)
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("zero-cost: slowdown, fairness and bound undefined"))
        // slowdn, jain, bound and ×bound are dashes, not a division by zero.
        let sjf = try #require(run.output.split(separator: "\n").first { $0.hasPrefix("   sjf ") })
        #expect(sjf.split(separator: " ").filter { $0 == "–" }.count == 4, "\(sjf)")
    }

    @Test func aBaselineAddsRatios() async throws {
        let run = try await bench(["--workload", "seed-mix", "--strategy", "fifo,optimal", "--baseline", "fifo", "--no-decision-cost", "--quiet", "--out", temp()])
        #expect(run.status == 0)
        #expect(run.output.contains("vs fifo") && run.output.contains("1.00×"))
    }

    /// Runs `bench --live` on a small two-client workload; returns its exit
    /// status, its output and the first strategy's figures from summary.json.
    func runTinyLive(_ extra: [String]) async throws -> (Int32, String, [String: Any]) {
        let (status, output, summary) = try await runTinyLiveSummary(extra)
        guard status == 0 else { return (status, output, [:]) }
        return (0, output, ((summary["workloads"] as! [[String: Any]])[0]["figures"] as! [[String: Any]])[0])
    }

    /// The same run; its exit status, output and the whole summary.json.
    func runTinyLiveSummary(_ extra: [String]) async throws -> (Int32, String, [String: Any]) {
        let dir = try workloadFolder("tiny", """
        name = "tiny"
        description = "a short live check"
        [backend]
        batch_limit = 5
        concurrency = 1
        unit_ms = 0.05
        [[clients]]
        name = "A"
        shape = "paced"
        bursts = 1
        per_burst = 40
        gap_ms = [2, 5]
        length = [5, 20]
        [[clients]]
        name = "B"
        shape = "bursts"
        bursts = 2
        per_burst = 5
        gap_ms = [1, 2]
        length = [10, 25]
        """)
        let (status, output) = try await bench(["--live", "--workload", "tiny", "--strategy", "sjf", "--out", "\(dir)/out", "--quiet"] + extra, workloads: dir)
        guard status == 0 else { return (status, output, [:]) }
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(dir)/out/summary.json"))) as! [String: Any]
        #expect(summary["mode"] as? String == "live")
        return (0, output, summary)
    }

    /// A tiny live run over `protocol` answered every one of its 50 requests
    /// with the right label, and the report and the summary name the protocol.
    func expectEveryAnswerRight(_ extra: [String], protocol: String, status okStatus: String,
                                sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let (status, output, summary) = try await runTinyLiveSummary(["--protocol", `protocol`] + extra)
        #expect(status == 0, "\(output)", sourceLocation: sourceLocation)
        guard status == 0 else { return }
        #expect(summary["protocol"] as? String == `protocol`, sourceLocation: sourceLocation)
        let workload = (summary["workloads"] as! [[String: Any]])[0]
        let figures = (workload["figures"] as! [[String: Any]])[0]
        let label = figures["strategy"] as? String ?? "?"
        #expect((figures["all"] as? [String: Any])?["count"] as? Int == 50, sourceLocation: sourceLocation)
        #expect(figures["failed"] as? Int == 0 && figures["rejected"] as? Int == 0 && figures["expired"] as? Int == 0,
                "\(figures)", sourceLocation: sourceLocation)
        let answers = try #require((workload["answers"] as? [String: Any])?[label] as? [String: Any], sourceLocation: sourceLocation)
        #expect(answers["protocol"] as? String == `protocol`, sourceLocation: sourceLocation)
        #expect(answers["rightLabels"] as? Int == 50 && answers["wrongLabels"] as? Int == 0, "\(answers)", sourceLocation: sourceLocation)
        #expect(answers["statuses"] as? [String: Int] == [okStatus: 50], "\(answers)", sourceLocation: sourceLocation)
        #expect(output.contains("\(label): \(`protocol`): 50 sent, 50 right label, 0 wrong label; by status: \(okStatus) 50"),
                "\(output)", sourceLocation: sourceLocation)
    }

    @Test func liveRunsOverTheOpenInferenceProtocolOnHTTP() async throws {
        try await expectEveryAnswerRight([], protocol: "oip-http", status: "200")
    }

    @Test func liveRunsOverTheOpenInferenceProtocolOnGRPC() async throws {
        try await expectEveryAnswerRight([], protocol: "oip-grpc", status: "OK")
    }

    @Test func theSeedRouteChecksLabelsToo() async throws {
        try await expectEveryAnswerRight([], protocol: "seed", status: "200")
    }

    @Test func liveRunsOverGRPCToAnyOpenInferenceProtocolServer() async throws {
        // The reference model server's own gRPC face, no Ferry: --url is HOST:PORT.
        let grpcPort = try FreePort.find()
        let model = try ModelServer(["--unit-ms", "0.01", "--grpc-port", "\(grpcPort)"])
        defer { model.stop() }
        try await SeedClient.withHTTPClient { http in try await model.waitUntilUp(client: http) }
        try await expectEveryAnswerRight(["--url", "127.0.0.1:\(grpcPort)"], protocol: "oip-grpc", status: "OK")
        try await expectEveryAnswerRight(["--url", model.url], protocol: "oip-http", status: "200")
    }

    @Test func anUnknownProtocolOrAMalformedGRPCAddressIsAUsageError() async throws {
        let unknown = try await bench(["--live", "--workload", "low-load", "--protocol", "carrier-pigeon", "--quiet", "--out", temp()])
        #expect(unknown.status == 64 && unknown.output.contains("unknown protocol 'carrier-pigeon'"), "\(unknown.output)")
        let address = try await bench(["--workload", "low-load", "--protocol", "oip-grpc", "--url", "127.0.0.1", "--quiet", "--out", temp()])
        #expect(address.status == 64 && address.output.contains("HOST:PORT"), "\(address.output)")
    }

    @Test func liveRunsEndToEndAgainstTheRealProcesses() async throws {
        let (status, output, figures) = try await runTinyLive([])
        #expect(status == 0, "\(output)")
        #expect(output.contains("live vs simulated") && output.contains("sjf: live mean"))
        #expect(output.contains("; p50 ") && output.contains(" ms, p99 "), "overhead as distribution deltas: \(output)")
        #expect((figures["all"] as? [String: Any])?["count"] as? Int == 50)
        #expect(figures["calls"] as? Int ?? 0 > 0)
    }

    @Test func liveRunsInFrontOfARealModelServer() async throws {
        let model = try ModelServer(["--unit-ms", "0.05"])
        defer { model.stop() }
        try await SeedClient.withHTTPClient { http in try await model.waitUntilUp(client: http) }
        let (status, output, figures) = try await runTinyLive(["--upstream", model.url])
        #expect(status == 0, "\(output)")
        #expect(output.contains("live in front of \(model.url) vs simulated") && output.contains("sjf: live mean"))
        #expect((figures["all"] as? [String: Any])?["count"] as? Int == 50)
        // The model server, not the simulated backend, served every text, in the calls the bench counted.
        let stats = try await SeedClient.withHTTPClient { http in try await model.stats(client: http) }
        #expect(stats["texts"] == 50 && stats["calls"] == figures["calls"] as? Int)
        // One call running and (the default for one upstream) one sent ahead, waiting: never more.
        #expect(stats["max_batch"] ?? 99 <= 5 && stats["max_active"] ?? 99 <= 2, "\(stats)")
    }
}

@Suite struct LiveProtocolTests {
    @Test func protocolsParse() throws {
        #expect(try LiveProtocol(argument: "seed") == .seed)
        #expect(try LiveProtocol(argument: "OIP-HTTP") == .oipHTTP)
        #expect(try LiveProtocol(argument: "oip-grpc") == .oipGRPC)
        #expect(throws: BenchError.self) { try LiveProtocol(argument: "grpc") }
    }

    @Test func urlsNameTheFace() throws {
        #expect(try LiveEndpoint.parse("http://127.0.0.1:9000/", for: .oipHTTP).httpBase == "http://127.0.0.1:9000")
        let grpc = try LiveEndpoint.parse("127.0.0.1:8001", for: .oipGRPC)
        #expect(grpc.grpcHost == "127.0.0.1" && grpc.grpcPort == 8001)
        let schemed = try LiveEndpoint.parse("http://localhost:8011", for: .oipGRPC)
        #expect(schemed.grpcHost == "localhost" && schemed.grpcPort == 8011)
        #expect(throws: BenchError.self) { try LiveEndpoint.parse("127.0.0.1", for: .oipGRPC) }
        #expect(throws: BenchError.self) { try LiveEndpoint.parse("127.0.0.1:70000", for: .oipGRPC) }
    }

    @Test func theTextsKeepTheirLengthAndHoldBothLabels() {
        let texts = (0..<10).map { LiveTexts.text(index: $0, length: 7) }
        #expect(texts.allSatisfy { $0.unicodeScalars.count == 7 })
        #expect(texts.map(LiveTexts.expectedLabel) == (0..<10).map { $0 % 2 == 1 ? "code" : "not code" })
        // The rule is the seed's, as TestSupport states it.
        for text in texts + ["def f()", "class X", "a;b", "plain words"] {
            #expect(LiveTexts.expectedLabel(text) == SeedClient.expectedLabel(text))
        }
    }
}

@Suite(.serialized) struct OIPLoadScriptTests {
    @Test func itLoadsAnOpenInferenceProtocolServerOverBothFaces() async throws {
        let grpcPort = try FreePort.find()
        let model = try ModelServer(["--unit-ms", "0.001", "--grpc-port", "\(grpcPort)"])
        defer { model.stop() }
        try await SeedClient.withHTTPClient { http in try await model.waitUntilUp(client: http) }
        for (face, address) in [("grpc", "127.0.0.1:\(grpcPort)"), ("http", "127.0.0.1:\(model.port)")] {
            let json = FileManager.default.temporaryDirectory.appendingPathComponent("oip-load-\(UUID().uuidString).json")
            defer { try? FileManager.default.removeItem(at: json) }
            let run = try await PythonScript.run("Benchmarks/oip_load.py", [
                "--url", address, "--protocol", face, "--concurrency", "4", "--requests", "40", "--batch", "2",
                "--verify", "--json-out", json.path,
            ], within: 120)
            #expect(run.status == 0, "\(face): \(run.output)")
            #expect(run.output.contains("40 sent, 40 ok, 0 errors") && run.output.contains("errors by status: none"), "\(run.output)")
            let figures = try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any] ?? [:]
            #expect(figures["labels"] as? [String: Int] == ["code": 40, "not code": 40], "\(figures)")
        }
        // A request the server refuses (6 rows; it takes 1 to 5) is an error: exit 1, the status named.
        let refused = try await PythonScript.run("Benchmarks/oip_load.py", [
            "--url", "127.0.0.1:\(grpcPort)", "--protocol", "grpc", "--concurrency", "1", "--requests", "3", "--batch", "6", "--warmup", "0",
        ], within: 120)
        #expect(refused.status == 1 && refused.output.contains("INVALID_ARGUMENT: 3"), "\(refused.output)")
        let allowed = try await PythonScript.run("Benchmarks/oip_load.py", [
            "--url", "127.0.0.1:\(grpcPort)", "--protocol", "grpc", "--concurrency", "1", "--requests", "3", "--batch", "6",
            "--warmup", "0", "--allow-errors",
        ], within: 120)
        #expect(allowed.status == 0, "\(allowed.output)")
        // Only loopback targets.
        let remote = try await PythonScript.run("Benchmarks/oip_load.py", ["--url", "192.0.2.1:8001", "--requests", "1"], within: 60)
        #expect(remote.status == 2 && remote.output.contains("not a loopback address"), "\(remote.output)")
    }
}
