import AsyncHTTPClient
import Foundation
import Testing
import TestSupport

/// Ferry in front of a real transformer, all-MiniLM-L6-v2 (ONNX exported by
/// `.ci/install`, run by the reference server with onnxruntime): FP32
/// embeddings pass through row by row, and each item's size is its token
/// count (`item_size = "words"`), as the model's own tokenizer counts it.
@Suite(.serialized) struct EmbeddingTests {
    /// Texts whose words are all in the model's vocabulary, with their token counts ([CLS] and [SEP] included).
    static let texts: [(String, UInt64)] = [
        ("How is the weather today?", 8),
        ("What is the weather like?", 8),
        ("def f(x): return x+1", 12),
        ("The quick brown fox jumps over the lazy dog.", 12),
        ("A long document about the trains, which were late every day of the week, and the weather, which was fine.", 26),
        ("Hello.", 4),
    ]

    static func infer(_ texts: [String], model: String, via http: HTTPClient, base: String) async throws -> [[Float]] {
        let data = texts.map { "\"\($0)\"" }.joined(separator: ",")
        let json = #"{"inputs":[{"name":"TEXT","shape":[\#(texts.count),1],"datatype":"BYTES","data":[\#(data)]}]}"#
        let answer = try await InferenceHTTP.infer(model: model, json: json, via: http, base: base)
        let output = (answer.json["outputs"] as? [[String: Any]])?.first
        guard answer.status == 200, output?["name"] as? String == "EMBEDDING", output?["datatype"] as? String == "FP32",
              output?["shape"] as? [Int] == [texts.count, 384], let values = output?["data"] as? [Double] else {
            throw FerryInstance.Failure(description: "\(base) answered \(answer.status): \(answer.text.prefix(300))")
        }
        return (0..<texts.count).map { i in values[(i * 384)..<((i + 1) * 384)].map(Float.init) }
    }

    static func dot(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).map(*).reduce(0, +) }

    /// Over either face of the server: over HTTP the worker asks for the
    /// embeddings in binary, and reads them back as the gRPC face's raw bytes.
    @Test(arguments: ["grpc", "http"])
    func embeddingsPassThroughAndItemsAreSizedInTokens(face: String) async throws {
        let server = try ProtocolServer(script: "model_server.py", ["--port", "{http}", "--grpc-port", "{grpc}", "--classifier", "minilm",
                                                                     "--model-name", "minilm", "--threads", "1"])
        defer { server.stop() }
        try await server.waitUntilReady()
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-minilm-\(UUID().uuidString).toml").path
        try """
            [backend]
            kind = "oip"
            upstreams = ["\(face == "http" ? server.httpURL : server.grpcURL)"]
            batch_limit = 4

            [[models]]
            name = "minilm"
            output = "EMBEDDING"
            output_datatype = "FP32"
            output_shape = [384]
            item_size = "words"
            upstream_model = "minilm"
            upstream_output = "EMBEDDING"
            row_shape = "1"
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let ferry = try FerryInstance(arguments: ["--config", config])
        let texts = Self.texts.map(\.0)
        try await SeedClient.withHTTPClient { http in
            try await ferry.waitUntilReady(client: http)
            // Six rows, over the batch limit of 4: split across calls, answered in row order.
            let through = try await Self.infer(texts, model: "minilm", via: http, base: ferry.baseURL)
            var direct: [[Float]] = []
            for text in texts { direct += try await Self.infer([text], model: "minilm", via: http, base: server.httpURL) }
            for (i, (a, b)) in zip(through, direct).enumerated() {
                // Padding beside other rows changes an embedding only by float noise.
                #expect(zip(a, b).allSatisfy { abs($0 - $1) < 1e-4 }, "row \(i): Ferry's embedding differs from the model's")
                #expect(abs(Self.dot(a, a) - 1) < 1e-3, "row \(i) is not unit length")
            }
            // A real model: the paraphrase is nearer than the code.
            #expect(Self.dot(through[0], through[1]) > Self.dot(through[0], through[2]) + 0.3)
            #expect(try await ferry.stop() == 0)
            // Ferry's calls, and only they (the direct ones above ask for JSON), were answered in binary over HTTP.
            let counts = try await ModelServer.stats(at: server.httpURL, client: http)
            let ferryCalls = try ferry.calls().filter { $0.model == "minilm" }.count
            #expect(ferryCalls > 0 && counts["oip_http_binary_answers"] == (face == "http" ? ferryCalls : 0), "\(counts); Ferry's calls: \(ferryCalls)")
        }
        let calls = try ferry.calls().filter { $0.model == "minilm" }
        #expect(calls.allSatisfy { $0.items <= 4 })
        #expect(calls.flatMap { $0.sizes ?? [] }.sorted() == Self.texts.map(\.1).sorted(), "sizes: \(calls.map { $0.sizes ?? [] })")
    }
}
