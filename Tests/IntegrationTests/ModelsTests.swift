import AsyncHTTPClient
import Foundation
import Testing
import TestSupport
import Wire

/// Two `[[models]]` in one Ferry: each with its own queue, strategy, batch
/// limit, queue bound and backend slots, on the real processes.
@Suite(.serialized) struct ModelsTests {
    static let config = """
        [backend]
        unit_ms = 0.01

        [[models]]
        name = "classifier"
        strategy = "plugins/fifo.so"
        batch_limit = 2

        [[models]]
        name = "sorter"
        version = "3"
        input = "SNIPPET"
        output = "KIND"
        strategy = "plugins/sjf.so"
        batch_limit = 4
        concurrency = 2
        max_queued = 7
        """

    static func write(_ toml: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-models-\(UUID().uuidString).toml").path
        try toml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func request(_ texts: [String], input: String) throws -> String {
        let data = String(decoding: try JSONSerialization.data(withJSONObject: texts), as: UTF8.self)
        return #"{"inputs":[{"name":"\#(input)","shape":[\#(texts.count)],"datatype":"BYTES","data":\#(data)}]}"#
    }

    @Test func twoModelsHaveTheirOwnQueuesStrategiesAndLimits() async throws {
        let ferry = try FerryInstance(arguments: ["--config", try Self.write(Self.config)])
        try await SeedClient.withHTTPClient { http in
            try await ferry.waitUntilReady(client: http)
            let base = ferry.baseURL

            // /readyz: each model's own strategy and queue bound.
            let ready = try JSONSerialization.jsonObject(with: Data(try await ferry.readyz(client: http) { $0.contains("\"sorter\"") }.utf8)) as? [String: Any]
            let models = ready?["models"] as? [String: [String: String]]
            #expect(models?["classifier"]?["strategy"] == "fifo" && models?["sorter"]?["strategy"] == "sjf", "\(String(describing: ready))")
            #expect(models?["sorter"]?["max_queued"] == "7" && models?["classifier"]?["max_queued"] == "10000")
            #expect(models?["sorter"]?["ready"] == "true")
            #expect(ready?["strategy"] as? String == "fifo,sjf")

            // Metadata and readiness per model, in its own names and version.
            let metadata = try await InferenceHTTP.get("/v2/models/sorter", via: http, base: base).json
            #expect(metadata["versions"] as? [String] == ["3"])
            #expect((metadata["inputs"] as? [[String: Any]])?.first?["name"] as? String == "SNIPPET")
            #expect((metadata["outputs"] as? [[String: Any]])?.first?["name"] as? String == "KIND")
            #expect(try await InferenceHTTP.get("/v2/models/sorter/versions/3/ready", via: http, base: base).status == 200)
            #expect(try await InferenceHTTP.get("/v2/models/sorter/versions/1/ready", via: http, base: base).status == 404)
            let unknown = try await InferenceHTTP.get("/v2/models/nope", via: http, base: base)
            #expect(unknown.status == 404 && unknown.text.contains("'classifier', 'sorter'"), "\(unknown.text)")

            // Both models at once: each answered in row order, through its own queue.
            let sorterTexts = (0..<7).map { "x = \($0);" } + ["plain words"]
            let classifierTexts = (0..<5).map { "text number \($0)" } + ["def f(): pass"]
            async let sorted = InferenceHTTP.infer(model: "sorter", json: try Self.request(Array(sorterTexts.prefix(7)), input: "SNIPPET"),
                                                   via: http, base: base)
            async let classified = InferenceHTTP.infer(model: "classifier", json: try Self.request(classifierTexts, input: "TEXT"),
                                                       via: http, base: base)
            let proxied = try await SeedClient.classify("int main() { return 0; }", client: "A", via: http, base: base)
            let (s, c) = try await (sorted, classified)
            #expect(s.status == 200, "\(s.text)")
            #expect(c.status == 200, "\(c.text)")
            #expect((s.json["outputs"] as? [[String: Any]])?.first?["name"] as? String == "KIND")
            #expect((s.json["outputs"] as? [[String: Any]])?.first?["data"] as? [String] == sorterTexts.prefix(7).map(SeedClient.expectedLabel))
            #expect((c.json["outputs"] as? [[String: Any]])?.first?["data"] as? [String] == classifierTexts.map(SeedClient.expectedLabel))
            // `/proxy_classify` is a route onto the model named classifier.
            #expect(proxied.status == 200 && proxied.body == #"{"result":"code"}"#, "\(proxied.body)")

            // A request with more rows than the sorter's queue bound can never be queued: refused;
            // the same rows fit the classifier's.
            let tooMany = try await InferenceHTTP.infer(model: "sorter", json: try Self.request(sorterTexts, input: "SNIPPET"), via: http, base: base)
            #expect(tooMany.status == 400 && tooMany.text.contains("7"), "\(tooMany.status) \(tooMany.text)")
            let eight = (0..<8).map { "row \($0)" }
            let fits = try await InferenceHTTP.infer(model: "classifier", json: try Self.request(eight, input: "TEXT"), via: http, base: base)
            #expect(fits.status == 200, "\(fits.text)")
            // The sorter's input is its own tensor name.
            let wrongInput = try await InferenceHTTP.infer(model: "sorter", json: try Self.request(["x"], input: "TEXT"), via: http, base: base)
            #expect(wrongInput.status == 400, "\(wrongInput.text)")

            // Per-model metrics: every item of each model counted under its label.
            let classifierItems = Double(classifierTexts.count + 1 + 8)
            let m = try await ferry.metrics(via: http) { m in
                m[#"ferry_batch_size_sum{model="sorter"}"#] == 7 && m[#"ferry_batch_size_sum{model="classifier"}"#] == classifierItems
                    && m[#"ferry_worker_calls_total{model="sorter",outcome="ok"}"#] == m[#"ferry_batch_size_count{model="sorter"}"#]
            }
            #expect(m[#"ferry_queue_limit{model="sorter"}"#] == 7)
            #expect(m[#"ferry_worker_calls_total{model="classifier",outcome="refused"}"#] == 0)
            #expect(m[#"ferry_batch_size_bucket{model="sorter",le="4.0"}"#] == m[#"ferry_batch_size_count{model="sorter"}"#])
            #expect(m[#"ferry_batch_size_bucket{model="classifier",le="2.0"}"#] == m[#"ferry_batch_size_count{model="classifier"}"#])
            #expect(try await ferry.stop() == 0)
        }
        // The worker ran each model's batches on that model's backend, within its batch limit, never mixed.
        let calls = try ferry.calls()
        let sorterKeys = Set(sorterTextsKeys())
        #expect(calls.contains { $0.model == "sorter" } && calls.contains { $0.model == "classifier" })
        for call in calls {
            #expect(call.items <= (call.model == "sorter" ? 4 : 2), "\(call)")
            #expect(call.keys.allSatisfy { sorterKeys.contains($0) } == (call.model == "sorter"), "\(call)")
        }
        #expect(ferry.log.contains("worker ready: batch limit 4, 2 slot(s) for model 'sorter'"))
    }

    /// The payload keys of the texts only the sorter was sent.
    func sorterTextsKeys() -> [String] {
        (0..<7).map { PayloadKey.hex(PayloadKey.of(Array("x = \($0);".utf8))) }
    }

    /// The worker dies while both models' calls run: each model's lost call
    /// goes back to its own queue and is answered, nothing is mixed or lost.
    @Test func aWorkerKilledMidCallOfTwoModelsLosesNeither() async throws {
        let config = try Self.write("""
            [backend]
            unit_ms = 1

            [[models]]
            name = "a"

            [[models]]
            name = "b"
            """)
        let ferry = try FerryInstance(arguments: ["--config", config, "--heartbeat-timeout-s", "600"])
        try await SeedClient.withHTTPClient { http in
            try await ferry.waitUntilReady(client: http)
            // 40 characters: 1.6 s calls, on both models' backends at once, held
            // there (the worker stopped) until the kill.
            let hold = try ferry.holdWorker()
            let text = String(repeating: "y", count: 40)
            async let a = InferenceHTTP.infer(model: "a", json: try Self.request([text], input: "TEXT"), via: http, base: ferry.baseURL)
            async let b = InferenceHTTP.infer(model: "b", json: try Self.request([text + ";"], input: "TEXT"), via: http, base: ferry.baseURL)
            _ = try await ferry.readyz(client: http) { body in
                let models = (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["models"] as? [String: [String: String]]
                return models?["a"]?["in_flight"] == "1" && models?["b"]?["in_flight"] == "1"
            }
            let worker = hold.pid
            kill(worker, SIGKILL)
            let (answerA, answerB) = try await (a, b)
            #expect(answerA.status == 200 && (answerA.json["outputs"] as? [[String: Any]])?.first?["data"] as? [String] == ["not code"], "\(answerA.text)")
            #expect(answerB.status == 200 && (answerB.json["outputs"] as? [[String: Any]])?.first?["data"] as? [String] == ["code"], "\(answerB.text)")
            try await ferry.waitUntil("a new worker reported") { ferry.pid(of: "worker") != worker }
            #expect(try await ferry.stop() == 0)
        }
        // Each model's item ran on its own backend, again after the kill: never together.
        #expect(try ferry.calls().allSatisfy { $0.items == 1 })
    }

    @Test func aModelsBadStrategyIsRefusedBeforeAnythingStarts() async throws {
        let config = try Self.write("""
            [[models]]
            name = "a"

            [[models]]
            name = "b"
            strategy = "plugins/no-such-strategy.so"
            """)
        let ferry = try FerryInstance(arguments: ["--config", config])
        #expect(try await ferry.waitForExit(within: 60) == 2)
        #expect(ferry.log.contains("for model 'b'"), "\(ferry.log)")
        #expect(ferry.log.contains("no-such-strategy"), "\(ferry.log)")
    }
}
