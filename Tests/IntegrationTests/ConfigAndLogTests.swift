import AsyncHTTPClient
import FerryConfig
import Foundation
import Testing
import TestSupport

/// `--config`, `--print-config`, `--log-format` and `--log-level`, through
/// the real supervisor and its children.
@Suite(.serialized) struct ConfigAndLogTests {
    static func write(_ toml: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-\(UUID().uuidString).toml").path
        try toml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func aConfigFileSetsFerryUpAndFlagsWinOverIt() async throws {
        // The file names a port nobody listens on; FerryInstance's --port must win.
        let config = try Self.write("""
            [strategy]
            path = "plugins/fifo.so"
            [server]
            port = 1
            [backend]
            batch_limit = 2
            unit_ms = 0.01
            """)
        let ferry = try FerryInstance(arguments: ["--config", config])
        try await SeedClient.withHTTPClient { http in
            try await ferry.waitUntilReady(client: http)
            let ready = try await http.get(url: "\(ferry.baseURL)/readyz").get()
            #expect(String(buffer: ready.body!).contains("\"strategy\":\"fifo\""))
            let answers = try await SeedClient.burst((0..<6).map { "text \($0)" }, client: "A", via: http, base: ferry.baseURL)
            #expect(answers.allSatisfy { $0.status == 200 })
            #expect(try await ferry.stop() == 0)
        }
        #expect(ferry.log.contains("worker ready: batch limit 2, 1 slot(s) for model 'classifier'"))
        #expect(try ferry.calls().allSatisfy { $0.items <= 2 })
    }

    @Test func limitsAndIntervalsFromTheFileReachTheChildren() async throws {
        let config = try Self.write("""
            [backend]
            unit_ms = 0.01
            [limits]
            max_sequence_length = 10
            max_body_bytes = 200
            [logging]
            performance_interval_s = 1
            [supervisor]
            max_restarts = 0
            """)
        let ferry = try FerryInstance(arguments: ["--config", config])
        try await SeedClient.withHTTPClient { http in
            try await ferry.waitUntilReady(client: http)
            // The ingress enforces the file's request limits...
            let long = try await SeedClient.classify("eleven char", client: "A", via: http, base: ferry.baseURL)
            #expect(long.status == 400 && long.body.contains("over the limit of 10"), "\(long.body)")
            let (code, text) = try await SeedClient.post(raw: String(repeating: "x", count: 300), via: http, base: ferry.baseURL)
            #expect(code == 413 && text.contains("over 200 bytes"), "\(text)")
            // The protocol's infer route too, in its own error shape.
            let big = #"{"inputs":[{"name":"TEXT","shape":[1],"datatype":"BYTES","data":["\#(String(repeating: "y", count: 300))"]}]}"#
            let refused = try await InferenceHTTP.infer(model: "classifier", json: big, via: http, base: ferry.baseURL,
                                                        headers: [("X-Client-Id", "big")])
            #expect(refused.status == 413 && refused.text.contains("{\"error\":") && refused.text.contains("over 200 bytes"), "\(refused.text)")
            // Counted under the client that sent it.
            let counted = #"ferry_requests_total{client="big",status="413"}"#
            #expect(try await ferry.metrics(via: http) { $0[counted] == 1 }[counted] == 1)
            #expect(try await SeedClient.classify("short", client: "A", via: http, base: ferry.baseURL).status == 200)
            // ...and logs its performance line at the file's interval.
            #expect(await ferry.logContains("[Ingress] last 1."), "\(ferry.log)")
            // The supervisor takes the file's restart intensity: with 0 allowed, the first death stops Ferry.
            kill(try #require(ferry.pid(of: "worker")), SIGKILL)
            #expect(try await ferry.waitForExit(within: 60) == 1)
            #expect(ferry.log.contains("over the limit of 0; stopping Ferry"))
        }
    }

    @Test func aBadConfigStopsStartUpWithOneLineNamingFileLineAndKey() async throws {
        let config = try Self.write("[server]\nport = 8000\n\n[backend]\nbatch_limit = \"five\"\n")
        let ferry = try FerryInstance(arguments: ["--config", config])
        #expect(try await ferry.waitForExit(within: 60) == 2)
        let lines = ferry.log.split(separator: "\n")
        #expect(lines == ["supervisor: \(config):5: backend.batch_limit must be a whole number, got a string (\"five\")"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: ferry.runtimeParent.path).isEmpty)

        let unknown = try FerryInstance(arguments: ["--config", try Self.write("[limits]\nmax_queue = 5\n")])
        #expect(try await unknown.waitForExit(within: 60) == 2)
        #expect(unknown.log.contains("\(":2: limits.max_queue is not a known key; [limits] takes max_queued,")"))
    }

    /// Children take every setting from one file: a bad one stops a child
    /// started by hand with one line naming the file, line and key.
    @Test func aChildStartedByHandReadsItsSettingsFile() async throws {
        let bad = try Self.write("[backend]\nconcurrency = 0\n")
        let child = Process()
        child.executableURL = URL(fileURLWithPath: try BuildProducts.executable("worker"))
        child.arguments = ["--settings", bad, "--listen", FileManager.default.temporaryDirectory.appendingPathComponent("w-\(UUID().uuidString).sock").path]
        let pipe = Pipe()
        child.standardError = pipe
        try child.run()
        let err = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        child.waitUntilExit()
        #expect(child.terminationStatus == 2)
        #expect(err == "worker: \(bad):2: backend.concurrency must be at least 1, got 0\n", "\(err)")
    }

    @Test func printConfigShowsTheEffectiveValuesAndWhereTheyCameFrom() async throws {
        let config = try Self.write("[backend]\nconcurrency = 4\n")
        let ferry = try FerryInstance(arguments: ["--config", config, "--print-config", "--batch-limit", "8"])
        #expect(try await ferry.waitForExit(within: 60) == 0)
        let out = ferry.log
        #expect(out.contains("concurrency = 4  # \(config):2"))
        #expect(out.contains("batch_limit = 8  # --batch-limit"))
        #expect(out.contains("max_queued = 10000  # default"))
        #expect(out.contains("port = \(ferry.port)  # --port"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: ferry.runtimeParent.path).isEmpty)
    }

    /// The supervisor resolves an unset pipeline before anything starts: one
    /// upstream that queues calls gets a call sent ahead.
    @Test func printConfigShowsTheResolvedPipeline() async throws {
        let ferry = try FerryInstance(arguments: ["--print-config", "--backend", "http", "--upstream", "http://127.0.0.1:8010"])
        #expect(try await ferry.waitForExit(within: 60) == 0)
        #expect(ferry.log.contains("pipeline = 1  # default (1 for one upstream that queues calls)"), "\(ferry.log)")
    }

    /// The supervisor's `--help` says what an unset pipeline becomes (the
    /// resolver's rule), not the 0 that `Settings()` holds.
    @Test func helpSaysWhatAnUnsetPipelineBecomes() async throws {
        let ferry = try FerryInstance(arguments: ["--help"])
        #expect(try await ferry.waitForExit(within: 60) == 0)
        let words = ferry.log.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(words.contains("(default \(Settings.pipelineDefaultRule); config key backend.pipeline)"), "\(ferry.log)")
        // Every backend kind the config takes is named.
        #expect(words.contains("'simulated' (built in), 'http'") && words.contains("or 'oip' (Open Inference Protocol servers"))
    }

    @Test func jsonLogsAreOneObjectPerLineFromEveryProcess() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-json-\(UUID().uuidString).log")
        let ferry = try FerryInstance(arguments: ["--unit-ms", "0.01", "--log-format", "json", "--log-file", file.path])
        try await SeedClient.withHTTPClient { http in
            try await ferry.waitUntilReady(client: http)
            #expect(try await SeedClient.classify("some text", client: "A", via: http, base: ferry.baseURL).status == 200)
            #expect(try await ferry.stop() == 0)
        }
        var processes: Set<String> = []
        var messages: [String] = []
        for line in try String(contentsOf: file, encoding: .utf8).split(separator: "\n") {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["time"] is String && object?["level"] is String, "\(line)")
            processes.insert(object?["process"] as? String ?? "?")
            messages.append(object?["message"] as? String ?? "")
        }
        #expect(processes == ["supervisor", "worker", "scheduler", "ingress"])
        #expect(messages.contains { $0.hasPrefix("run summary: 1 requests") })
        #expect(messages.last == "Ferry stopped cleanly")
    }

    @Test func aChildsCrashTraceIsWrappedInJSONToo() async throws {
        // The worker dies with a raw fatalError message (not a log line) on a poison text.
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-crash-\(UUID().uuidString).log")
        let ferry = try FerryInstance(arguments: ["--unit-ms", "0.01", "--log-format", "json", "--log-file", file.path,
                                                  "--crash-on", "POISON"])
        try await SeedClient.withHTTPClient { http in
            try await ferry.waitUntilReady(client: http)
            let answer = try await SeedClient.classify("POISON pill", client: "A", via: http, base: ferry.baseURL)
            #expect(answer.status == 502)
            #expect(try await ferry.stop() == 0)
        }
        var crash: [String: Any]?
        for line in try String(contentsOf: file, encoding: .utf8).split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not JSON: \(line)")
            if (object["message"] as? String)?.contains("crash_on input received") == true { crash = object }
        }
        #expect(crash?["process"] as? String == "worker")
        #expect(crash?["level"] as? String == "error")
        #expect(crash?["source"] == nil)  // not from the worker's logger: wrapped by the supervisor
    }

    @Test func logLevelWarningKeepsInfoLinesOut() async throws {
        let ferry = try FerryInstance(arguments: ["--unit-ms", "0.01", "--log-level", "warning"])
        try await SeedClient.withHTTPClient { http in
            try await ferry.waitUntilReady(client: http)
            #expect(try await ferry.stop() == 0)
        }
        // Every process logs info lines at start and stop; none may appear.
        #expect(!ferry.log.contains(" info "), "\(ferry.log)")
        #expect(!ferry.log.contains("Ferry is ready"))
    }
}
