import Foundation
import Testing
import TestSupport
import Wire

/// The Open Inference Protocol through `tritonclient`, the standard client,
/// over HTTP and gRPC: real Ferry processes, a real client process.
@Suite(.serialized) struct InferenceGRPCTests {
    static let script = "Tests/TestSupport/Fixtures/tritonclient_check.py"

    @Test func tritonclientTalksToFerryOverHTTPAndGRPC() async throws {
        let ferry = try FerryInstance(arguments: ["--strategy", "plugins/sjf.so", "--unit-ms", "0.01"])
        try await SeedClient.withHTTPClient { http in
            try await ferry.waitUntilReady(client: http)
            let run = try await PythonScript.run(Self.script, ["--http", "127.0.0.1:\(ferry.port)", "--grpc", ferry.grpcAddress])
            #expect(run.status == 0, "\(run.output)")
            #expect(run.output.contains("all passed"), "\(run.output)")
            #expect(try await ferry.stop() == 0)
            // A health Watch the client cancelled must not hold up the stop (it ends with its RPC).
            #expect(!ferry.log.contains("did not finish draining"), "\(ferry.log.suffix(2000))")
        }
    }

    @Test func grpcDeadlinesAndAFullQueueGetTheProtocolsCodes() async throws {
        let ferry = try FerryInstance(arguments: ["--strategy", "plugins/fifo.so", "--unit-ms", "0.2", "--max-queued", "5",
                                                  "--heartbeat-timeout-s", "600"])
        try await SeedClient.withHTTPClient { http in
            try await ferry.waitUntilReady(client: http)
            let worker = try #require(ferry.pid(of: "worker"))
            defer { kill(worker, SIGCONT) }  // should the script die holding it
            let run = try await PythonScript.run(Self.script, ["--http", "127.0.0.1:\(ferry.port)", "--grpc", ferry.grpcAddress, "--limits", "\(worker)"])
            #expect(run.status == 0 && run.output.contains("all passed"), "\(run.output)")
            #expect(try await ferry.stop() == 0)
            // The late rows, and the rows of the call the client cancelled, never ran.
            let ran = Set(try ferry.calls().flatMap(\.keys))
            for text in ["hurry", "hurry too", "gone 1", "gone 2", "gone 3", "f1", "f2", "f3", "f4", "f5"] {
                #expect(!ran.contains(PayloadKey.hex(PayloadKey.of(Array(text.utf8)))), "\(text) reached the backend")
            }
        }
    }

    @Test func apiKeysGuardBothFaces() async throws {
        let keys = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-keys-\(UUID().uuidString)")
        try "k-123 team-a\n".write(to: keys, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: keys) }
        let ferry = try FerryInstance(arguments: ["--strategy", "plugins/sjf.so", "--unit-ms", "0.01", "--api-keys-file", keys.path])
        try await SeedClient.withHTTPClient { http in
            try await ferry.waitUntilReady(client: http)
            let run = try await PythonScript.run(Self.script, ["--http", "127.0.0.1:\(ferry.port)", "--grpc", ferry.grpcAddress, "--api-key", "k-123"])
            #expect(run.status == 0 && run.output.contains("all passed"), "\(run.output)")
            #expect(try await ferry.stop() == 0)
        }
    }

    /// Stopping Ferry answers the gRPC calls it holds before it goes, as it does HTTP's.
    @Test func aCallInFlightWhenFerryIsStoppedIsAnswered() async throws {
        let ferry = try FerryInstance(arguments: ["--strategy", "plugins/sjf.so", "--unit-ms", "1"])
        try await SeedClient.withHTTPClient { http in
            try await ferry.waitUntilReady(client: http)
            let run = try await PythonScript.run(Self.script, ["--http", "127.0.0.1:\(ferry.port)", "--grpc", ferry.grpcAddress,
                                                               "--drain-pid", "\(ferry.process.processIdentifier)"])
            #expect(run.status == 0 && run.output.contains("all passed"), "\(run.output)")
            #expect(try await ferry.waitForExit() == 0)
        }
    }
}
