import AsyncHTTPClient
import Foundation
import Redis
import Testing
import TestSupport

/// The Kookree pipeline: a real image model (EfficientNet-Lite0 with its
/// trained weights, exported by `.ci/install`, on onnxruntime with OpenCV
/// preprocessing) behind the Open Inference Protocol; Ferry in front of it,
/// over gRPC and from a Redis stream fed by the producer script from a
/// video; the consumer script's summary.
@Suite(.serialized) struct ImagePipelineTests {
    /// Ferry's configuration for the image model at `upstream`: images are
    /// BYTES rows (a JPEG each), a call's cost learned per call and per item.
    static func config(upstream: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-image-\(UUID().uuidString).toml").path
        try """
            [backend]
            kind = "oip"
            upstreams = ["\(upstream)"]
            batch_limit = 8
            unit_ms = 0.0
            call_ms = 10.0
            cost_terms = ["fixed", "per_item"]

            [[models]]
            name = "image"
            input = "IMAGE"
            upstream_input = "IMAGE"
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func imageServer() throws -> ProtocolServer {
        try ProtocolServer(script: "model_server.py", ["--port", "{http}", "--grpc-port", "{grpc}", "--classifier", "efficientnet",
                                                        "--model-name", "image", "--max-batch", "8", "--threads", "1"])
    }

    /// Images drawn by the test get their classes from the trained model,
    /// one by one and batched alike — straight from the server, and through
    /// Ferry's gRPC face (which cuts a request's rows into items and batches
    /// them its own way).
    @Test func drawnImagesAreClassifiedDirectAndThroughFerry() async throws {
        let server = try Self.imageServer()
        defer { server.stop() }
        try await server.waitUntilReady()
        let direct = try await PythonScript.run("Benchmarks/upstream/image_check.py", [server.grpcURL, "--model", "image"], within: 120)
        #expect(direct.status == 0, "\(direct.output)")

        let ferry = try FerryInstance(arguments: ["--config", try Self.config(upstream: server.grpcURL)])
        try await SeedClient.withHTTPClient { http in try await ferry.waitUntilReady(client: http) }
        let through = try await PythonScript.run("Benchmarks/upstream/image_check.py", ["grpc://\(ferry.grpcAddress)", "--model", "image"], within: 120)
        #expect(through.status == 0, "\(through.output)")
        #expect(try await ferry.stop() == 0)
    }

    /// Frames of a video the test makes go through Redis and Ferry to the
    /// model; the stream ingress is killed with SIGKILL in the middle; the
    /// consumer still counts exactly every frame once, with no error, and
    /// prints its summary.
    @Test func videoFramesThroughTheStreamSurviveAKilledStreamIngress() async throws {
        let redis = try RedisServer()
        defer { redis.stop() }
        try await redis.waitUntilUp()
        let server = try Self.imageServer()
        defer { server.stop() }
        try await server.waitUntilReady()
        let video = redis.directory.appendingPathComponent("clip.avi").path
        let made = try await PythonScript.run("Benchmarks/pipeline/producer.py", ["--make-video", video, "--seconds", "6", "--fps", "10"])
        #expect(made.status == 0, "\(made.output)")

        // The README's configuration, pointed at this test's servers.
        let shipped = Repository.root.appendingPathComponent("Benchmarks/pipeline/ferry-image.toml").path
        let ferry = try FerryInstance(arguments: ["--config", shipped, "--upstream", server.grpcURL, "--redis", redis.address,
                                                  "--stream-in-flight", "16"])
        let frames = 60
        let log = redis.directory.appendingPathComponent("frames.log").path
        async let consumer = PythonScript.run("Benchmarks/pipeline/consumer.py",
                                              ["--redis", redis.address, "--results", "frames:results", "--from-start",
                                               "--frames", "\(frames)", "--duration", "240", "--log", log, "--quiet"], within: 300)
        let producer = try await PythonScript.run("Benchmarks/pipeline/producer.py",
                                                  ["--redis", redis.address, "--stream", "frames", "--video", video, "--fps", "30"])
        #expect(producer.status == 0, "\(producer.output)")
        try await StreamIngressTests.waitForLength(redis, "frames:results", atLeast: 10, ferry: ferry, within: 180)
        let pid = try #require(ferry.pid(of: "streamer"))
        kill(pid, SIGKILL)
        let summary = try await consumer
        #expect(summary.status == 0, "\(summary.output)\n\(ferry.log)")
        #expect(summary.output.contains("summary: \(frames) frames") && summary.output.contains("errors 0, dead letters 0, duplicates 0"),
                "\(summary.output)")
        #expect(summary.output.contains("latency ms: mean"))
        let answers = try StreamIngressTests.answers(redis)
        #expect(answers.count == frames)
        #expect(Set(answers.values.compactMap { $0["frame"] }) == Set((0..<frames).map(String.init)))
        #expect(answers.values.allSatisfy { $0["status"] == "ok" && ($0["result"]?.contains(":") ?? false) })
        let lines = (try? String(contentsOfFile: log, encoding: .utf8))?.split(separator: "\n") ?? []
        #expect(lines.filter { $0.contains("latency_ms=") }.count == frames)
        #expect(try await ferry.stop() == 0)
    }
}
