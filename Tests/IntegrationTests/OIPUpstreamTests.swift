import AsyncHTTPClient
import Foundation
import Testing
import TestSupport

/// Ferry in front of real Open Inference Protocol servers that nobody here
/// wrote (Triton 2.51 via nvidia-pytriton, MLServer 1.7.1) and of the
/// reference server running a real model (magika), over gRPC and HTTP:
/// labels checked end to end, through the seed route and through tritonclient.
@Suite(.serialized) struct OIPUpstreamTests {
    static let check = "Tests/TestSupport/Fixtures/tritonclient_check.py"

    /// Ferry with the oip backend on `upstream`; the seed route and tritonclient answer right.
    func throughFerry(to upstream: String, texts: [(String, String)] = [], batchLimit: Int = 5) async throws -> FerryInstance {
        let ferry = try FerryInstance(arguments: ["--strategy", "plugins/sjf.so", "--backend", "oip", "--upstream", upstream,
                                                  "--batch-limit", "\(batchLimit)"])
        try await SeedClient.withHTTPClient { http in
            try await ferry.waitUntilReady(client: http)
            let run = try await PythonScript.run(Self.check, ["--http", "127.0.0.1:\(ferry.port)", "--grpc", ferry.grpcAddress])
            #expect(run.status == 0 && run.output.contains("all passed"), "\(upstream): \(run.output)")
            let answers = try await withThrowingTaskGroup(of: SeedClient.Answer.self) { group in
                for (text, _) in texts { group.addTask { try await SeedClient.classify(text, client: "A", via: http, base: ferry.baseURL) } }
                var all: [SeedClient.Answer] = []
                for try await a in group { all.append(a) }
                return all
            }
            for (text, label) in texts {
                let answer = answers.first { $0.text == text }
                #expect(answer?.status == 200 && answer?.body == "{\"result\":\"\(label)\"}", "\(upstream) \(text): \(answer?.body ?? "none")")
            }
        }
        return ferry
    }

    static let seedRule = SeedClient.seedTexts(seed: 3).0.prefix(20).map { ($0, SeedClient.expectedLabel($0)) }

    @Test func inFrontOfTritonOverGRPCAndHTTP() async throws {
        let triton = try ProtocolServer(script: "triton_server.py", ["--http-port", "{http}", "--grpc-port", "{grpc}", "--metrics-port", "0"])
        defer { triton.stop() }
        try await triton.waitUntilReady()
        for upstream in [triton.grpcURL, triton.httpURL] {
            let ferry = try await throughFerry(to: upstream, texts: Self.seedRule)
            #expect(try await ferry.stop() == 0)
            #expect(try ferry.calls().allSatisfy { $0.items <= 5 })
        }
        // Two models on the one Triton: the classifier (BYTES) and argmax (FP32 rows of 4 in, INT64 out),
        // each its own queue in Ferry; FP32 and INT64 pass through untouched, over gRPC and HTTP.
        for upstream in [triton.grpcURL, triton.httpURL] {
            try await twoModels(on: upstream)
        }
        // Triton counted what Ferry sent it: every text, in batches (its own batch limit is 5).
        let stats = try await SeedClient.withHTTPClient { http in
            try await http.get(url: "\(triton.httpURL)/v2/models/classifier/stats").get()
        }
        let body = String(buffer: stats.body ?? .init())
        #expect(stats.status == .ok && body.contains("\"inference_count\""), "\(body)")
    }

    /// Ferry serving Triton's classifier and argmax as two `[[models]]`.
    func twoModels(on upstream: String) async throws {
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-argmax-\(UUID().uuidString).toml").path
        try """
            [backend]
            kind = "oip"
            upstreams = ["\(upstream)"]

            [[models]]
            name = "classifier"

            [[models]]
            name = "argmax"
            input = "VALUES"
            input_datatype = "FP32"
            input_shape = [4]
            output = "INDEX"
            output_datatype = "INT64"
            output_shape = [1]
            upstream_model = "argmax"
            upstream_input = "VALUES"
            upstream_output = "INDEX"
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let ferry = try FerryInstance(arguments: ["--config", config])
        try await SeedClient.withHTTPClient { http in
            try await ferry.waitUntilReady(client: http)
            // Seven rows: more than the batch limit of 5, so they are split, and answered in row order.
            let rows: [[Float]] = [[1, 0, 0, 0], [0, 2.5, 0, 0], [0, 0, -1, 3], [9, 8, 7, 6], [0, 0, 0.5, 0], [-3, -2, -1, -4], [0, 1e6, 0, 0]]
            let data = rows.flatMap { $0 }.map { "\($0)" }.joined(separator: ",")
            let json = #"{"inputs":[{"name":"VALUES","shape":[7,4],"datatype":"FP32","data":[\#(data)]}]}"#
            async let argmax = InferenceHTTP.infer(model: "argmax", json: json, via: http, base: ferry.baseURL)
            async let label = SeedClient.classify("def f(): return 1", client: "A", via: http, base: ferry.baseURL)
            let (answer, classified) = try await (argmax, label)
            #expect(answer.status == 200, "\(upstream): \(answer.text)")
            let output = (answer.json["outputs"] as? [[String: Any]])?.first
            #expect(output?["name"] as? String == "INDEX" && output?["datatype"] as? String == "INT64", "\(answer.text)")
            #expect(output?["shape"] as? [Int] == [7, 1], "\(answer.text)")
            #expect(output?["data"] as? [Int] == [0, 1, 3, 0, 2, 2, 1], "\(answer.text)")
            #expect(classified.status == 200 && classified.body == #"{"result":"code"}"#, "\(classified.body)")
            // The wrong datatype for the model is the client's error, never sent upstream.
            let wrong = try await InferenceHTTP.infer(model: "argmax", json: #"{"inputs":[{"name":"VALUES","shape":[1,4],"datatype":"FP64","data":[1,2,3,4]}]}"#,
                                                      via: http, base: ferry.baseURL)
            #expect(wrong.status == 400 && wrong.text.contains("FP32"), "\(wrong.text)")
            #expect(try await ferry.stop() == 0)
        }
        let calls = try ferry.calls()
        #expect(calls.filter { $0.model == "argmax" }.map(\.items).reduce(0, +) == 7 && calls.allSatisfy { $0.items <= 5 })
    }

    @Test func inFrontOfMLServerOverGRPCAndHTTP() async throws {
        let mlserver = try ProtocolServer(script: "mlserver_server.py", ["--http-port", "{http}", "--grpc-port", "{grpc}"])
        defer { mlserver.stop() }
        try await mlserver.waitUntilReady()
        for upstream in [mlserver.grpcURL, mlserver.httpURL] {
            let ferry = try await throughFerry(to: upstream, texts: Self.seedRule)
            #expect(try await ferry.stop() == 0)
        }
    }

    static let known = [
        ("def f(): return 1", "code"),
        ("import os\nimport sys\n\ndef main():\n    print(os.getcwd())\n\nif __name__ == \"__main__\":\n    main()\n", "code"),
        ("#include <stdio.h>\nint main(void) {\n    printf(\"hello\\n\");\n    return 0;\n}\n", "code"),
        ("SELECT id, name FROM users WHERE age > 30 ORDER BY name;", "code"),
        ("function add(a, b) {\n  return a + b;\n}\nconsole.log(add(1, 2));\n", "code"),
        ("The quick brown fox jumps over the lazy dog.", "not code"),
        ("Dear Anna,\nthank you for the lovely flowers. We had a wonderful time at the lake and hope to see you again soon.\nBest wishes, Tom", "not code"),
        ("It was a bright cold day in April, and the clocks were striking thirteen.", "not code"),
    ]

    @Test func inFrontOfTheMagikaModelOverEveryFace() async throws {
        let magika = try ProtocolServer(script: "model_server.py", ["--port", "{http}", "--grpc-port", "{grpc}", "--classifier", "magika"])
        defer { magika.stop() }
        try await magika.waitUntilReady()
        // The seed's contract, then the protocol over gRPC and HTTP: a real model's labels, end to end.
        for (backend, upstream) in [("http", magika.httpURL), ("oip", magika.grpcURL), ("oip", magika.httpURL)] {
            let ferry = try FerryInstance(arguments: ["--strategy", "plugins/sjf.so", "--backend", backend, "--upstream", upstream])
            try await SeedClient.withHTTPClient { http in
                try await ferry.waitUntilReady(client: http)
                let answers = try await withThrowingTaskGroup(of: SeedClient.Answer.self) { group in
                    for (text, _) in Self.known { group.addTask { try await SeedClient.classify(text, client: "B", via: http, base: ferry.baseURL) } }
                    var all: [SeedClient.Answer] = []
                    for try await a in group { all.append(a) }
                    return all
                }
                for (text, label) in Self.known {
                    let answer = answers.first { $0.text == text }
                    #expect(answer?.body == "{\"result\":\"\(label)\"}", "\(backend) \(upstream) \(text.prefix(30)): \(answer?.body ?? "none")")
                }
                #expect(try await ferry.stop() == 0)
            }
        }
    }
}
