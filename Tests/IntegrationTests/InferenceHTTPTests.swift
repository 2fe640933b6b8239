import AsyncHTTPClient
import Foundation
import Testing
import TestSupport

/// The Open Inference Protocol's HTTP face, on real processes over real sockets.
@Suite(.serialized) struct InferenceHTTPTests {
    static let texts = ["def f(): return 1", "The quick brown fox", "x = {1: 2};", "a letter to a friend",
                        "class K: pass", "hello", "int main() { return 0; }", "plain words here", "SELECT 1;",
                        "no code at all", "y;", "z"]

    @Test func tensorsAreBatchedWithTheSchedulerAndAnsweredInRowOrder() async throws {
        let ferry = try FerryInstance(arguments: ["--strategy", "plugins/sjf.so", "--unit-ms", "0.01"])
        try await SeedClient.withHTTPClient { http in
            try await ferry.waitUntilReady(client: http)
            let base = ferry.baseURL
            #expect(try await InferenceHTTP.get("/v2/health/live", via: http, base: base).status == 200)
            #expect(try await InferenceHTTP.get("/v2/health/ready", via: http, base: base).status == 200)
            #expect(try await InferenceHTTP.get("/v2/models/classifier/ready", via: http, base: base).status == 200)
            let server = try await InferenceHTTP.get("/v2", via: http, base: base).json
            #expect(server["name"] as? String == "ferry")
            #expect((server["extensions"] as? [String])?.contains("binary_tensor_data") == true)
            let metadata = try await InferenceHTTP.get("/v2/models/classifier", via: http, base: base).json
            #expect((metadata["inputs"] as? [[String: Any]])?.first?["name"] as? String == "TEXT")
            #expect((metadata["outputs"] as? [[String: Any]])?.first?["datatype"] as? String == "BYTES")

            // Twelve rows: more than the batch limit of 5, so the scheduler splits them.
            let data = try JSONSerialization.data(withJSONObject: Self.texts)
            let json = #"{"id":"q1","inputs":[{"name":"TEXT","shape":[12],"datatype":"BYTES","data":\#(String(decoding: data, as: UTF8.self))}]}"#
            let answer = try await InferenceHTTP.infer(model: "classifier", json: json, via: http, base: base)
            #expect(answer.status == 200, "\(answer.text)")
            let output = (answer.json["outputs"] as? [[String: Any]])?.first
            #expect(output?["data"] as? [String] == Self.texts.map(SeedClient.expectedLabel))
            #expect(output?["shape"] as? [Int] == [12])
            #expect(answer.json["id"] as? String == "q1")

            // What tritonclient sends by default: binary tensors in, binary answer out.
            let binary = try await InferenceHTTP.inferBinary(model: "classifier", texts: Array(Self.texts.prefix(7)), via: http, base: base)
            #expect(binary.status == 200, "\(binary.text)")
            #expect(InferenceHTTP.binaryTexts(binary) == Self.texts.prefix(7).map(SeedClient.expectedLabel))
            #expect(((binary.json["outputs"] as? [[String: Any]])?.first?["shape"] as? [Int]) == [7, 1])

            #expect(try await ferry.stop() == 0)
            let calls = try ferry.calls()
            #expect(calls.reduce(0) { $0 + $1.items } == 19)
            #expect(calls.allSatisfy { $0.items <= 5 })
        }
    }

    @Test func errorsMapToTheProtocolsStatuses() async throws {
        let ferry = try FerryInstance(arguments: ["--strategy", "plugins/fifo.so", "--unit-ms", "0.2", "--max-queued", "5",
                                                  "--heartbeat-timeout-s", "600"])
        try await SeedClient.withHTTPClient { http in
            try await ferry.waitUntilReady(client: http)
            let base = ferry.baseURL
            let one = #"{"inputs":[{"name":"TEXT","shape":[1],"datatype":"BYTES","data":["x"]}]}"#
            let unknown = try await InferenceHTTP.infer(model: "nope", json: one, via: http, base: base)
            #expect(unknown.status == 404 && unknown.text.contains("unknown model 'nope'"), "\(unknown.text)")
            #expect(try await InferenceHTTP.get("/v2/models/nope", via: http, base: base).status == 404)
            #expect(try await InferenceHTTP.get("/v2/models/classifier/versions/9", via: http, base: base).status == 404)
            let badName = try await InferenceHTTP.infer(model: "classifier", json: one.replacingOccurrences(of: "TEXT", with: "TXT"), via: http, base: base)
            #expect(badName.status == 400 && badName.text.contains("no input 'TXT'"), "\(badName.text)")
            let badType = try await InferenceHTTP.infer(model: "classifier", json: #"{"inputs":[{"name":"TEXT","shape":[1],"datatype":"FP32","data":[1]}]}"#, via: http, base: base)
            #expect(badType.status == 400 && badType.text.contains("is BYTES, got FP32"), "\(badType.text)")
            let notJSON = try await InferenceHTTP.infer(model: "classifier", json: "{", via: http, base: base)
            #expect(notJSON.status == 400 && notJSON.text.hasPrefix("{\"error\":"), "\(notJSON.text)")

            // A call occupies the backend, held there for the steps below (its worker
            // stopped before it is sent, so it cannot end first); a row that may wait
            // 100 ms passes its deadline.
            let hold = try ferry.holdWorker()
            defer { hold.release() }
            let long = String(repeating: "z", count: 80)
            async let blocker = InferenceHTTP.infer(model: "classifier", json: one.replacingOccurrences(of: "\"x\"", with: "\"\(long)\""), via: http, base: base)
            _ = try await ferry.readyz(client: http) { $0.contains("\"in_flight\":\"1\"") }
            let late = try await InferenceHTTP.infer(model: "classifier", json: #"{"parameters":{"timeout":100000},"inputs":[{"name":"TEXT","shape":[1],"datatype":"BYTES","data":["hurry"]}]}"#, via: http, base: base)
            #expect(late.status == 504 && late.text.contains("deadline"), "\(late.text)")

            // While it still runs: four rows wait in a queue of five; five more do not all fit, so that request is refused.
            func rows(_ texts: [String]) -> String {
                let data = try! JSONSerialization.data(withJSONObject: texts)
                return #"{"inputs":[{"name":"TEXT","shape":[\#(texts.count)],"datatype":"BYTES","data":\#(String(decoding: data, as: UTF8.self))}]}"#
            }
            async let waiting = InferenceHTTP.infer(model: "classifier", json: rows(["w1", "w2", "w3", "w4"]), via: http, base: base)
            _ = try await ferry.readyz(client: http) { $0.contains("\"queued\":\"4\"") }
            let full = try await InferenceHTTP.infer(model: "classifier", json: rows(["f1", "f2", "f3", "f4", "f5"]), via: http, base: base)
            #expect(full.status == 429 && Int(full.header("Retry-After") ?? "") ?? 0 >= 1, "\(full.status) \(full.text)")
            // More rows than the queue can ever hold: a bad request, not a busy server.
            let over = try await InferenceHTTP.infer(model: "classifier", json: rows(["a", "b", "c", "d", "e", "f"]), via: http, base: base)
            #expect(over.status == 400 && over.text.contains("over the limit of 5"), "\(over.text)")
            hold.release()
            #expect(try await waiting.status == 200)
            #expect(try await blocker.status == 200)
            #expect(try await ferry.stop(within: 120) == 0)
        }
    }
}
