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
        // Triton counted what Ferry sent it: every text, in batches (its own batch limit is 5).
        let stats = try await SeedClient.withHTTPClient { http in
            try await http.get(url: "\(triton.httpURL)/v2/models/classifier/stats").get()
        }
        let body = String(buffer: stats.body ?? .init())
        #expect(stats.status == .ok && body.contains("\"inference_count\""), "\(body)")
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
