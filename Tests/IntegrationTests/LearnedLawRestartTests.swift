import AsyncHTTPClient
import CostModel
import Foundation
import Testing
import TestSupport

/// The cost law a scheduler learned outlives it: a scheduler restarted by the
/// supervisor resumes it from the runtime directory, and a Ferry started
/// again on the same `--learned-calls-dir` resumes it too — unless the calls
/// were measured on another backend.
@Suite struct LearnedLawRestartTests {
    /// `fifo` on a quick simulated backend (2 ms + 0.01 ms·m²): every request one call.
    static let arguments = ["--strategy", "plugins/fifo.so", "--call-ms", "2"]

    /// Sends `count` requests one after another (so `count` calls), each answered 200.
    static func serve(_ count: Int, on ferry: FerryInstance, via http: HTTPClient) async throws {
        for i in 0..<count {
            let answer = try await SeedClient.classify(String(repeating: "x", count: 5 + i), client: "A", via: http, base: ferry.baseURL)
            #expect(answer.status == 200, "\(answer.body)")
        }
    }

    /// Waits (bounded) until `/readyz` reports the law learned from `calls` calls.
    static func expectLearned(from calls: Int, on ferry: FerryInstance, via http: HTTPClient) async throws {
        let said = "(learned from \(calls) call\(calls == 1 ? "" : "s");"
        let body = try await ferry.readyz(client: http) { $0.contains(said) }
        #expect(body.contains(said), "\(body)")
    }

    /// The calls kept under `folder` (bounded wait: they are kept within a second of the last call).
    static func waitForKeptCalls(_ count: Int, in folder: () -> String?) async throws -> LearnedCalls {
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            if let path = folder(), let kept = try? LearnedCalls.read(from: "\(path)/\(LearnedCalls.fileName(model: "classifier"))"),
               kept.learnerCalls.count >= count { return kept }
            guard ContinuousClock.now < deadline else { throw FerryInstance.Failure(description: "\(count) calls not kept within 30 s") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    @Test func aSchedulerRestartedAfterAKillResumesTheLawItLearned() async throws {
        let ferry = try FerryInstance(arguments: Self.arguments + ["--unit-ms", "0.01"])
        try await SeedClient.withHTTPClient { http in
            try await ferry.waitUntilReady(client: http)
            try await Self.serve(10, on: ferry, via: http)
            let kept = try await Self.waitForKeptCalls(10) { ferry.runtimeDirectory }
            #expect(kept.source == "simulated (unit_ms 0.01, call_ms 2.0); item size: characters")
            let scheduler = try #require(ferry.pid(of: "scheduler"))
            kill(scheduler, SIGKILL)
            try await ferry.waitUntil("a new scheduler reported") { ferry.pid(of: "scheduler").map { $0 != scheduler } ?? false }
            // One more call: 11 if the new scheduler resumed the ten, 1 if it started from the prior.
            try await Self.serve(1, on: ferry, via: http)
            try await Self.expectLearned(from: 11, on: ferry, via: http)
            #expect(try await ferry.stop() == 0)
        }
    }

    @Test func aFerryStartedAgainOnTheSameFolderResumesUnlessTheBackendChanged() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-learned-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try await SeedClient.withHTTPClient { http in
            let first = try FerryInstance(arguments: Self.arguments + ["--unit-ms", "0.01", "--learned-calls-dir", folder])
            try await first.waitUntilReady(client: http)
            try await Self.serve(10, on: first, via: http)
            #expect(try await first.stop() == 0)
            // Kept on the way out at the latest.
            let kept = try #require(try LearnedCalls.read(from: "\(folder)/\(LearnedCalls.fileName(model: "classifier"))"))
            #expect(kept.learnerCalls.count == 10)

            let again = try FerryInstance(arguments: Self.arguments + ["--unit-ms", "0.01", "--learned-calls-dir", folder])
            try await again.waitUntilReady(client: http)
            try await Self.serve(1, on: again, via: http)
            try await Self.expectLearned(from: 11, on: again, via: http)
            #expect(try await again.stop() == 0)

            // Another law on the simulated backend: the kept calls say nothing of it.
            let changed = try FerryInstance(arguments: Self.arguments + ["--unit-ms", "0.02", "--learned-calls-dir", folder])
            try await changed.waitUntilReady(client: http)
            try await Self.serve(1, on: changed, via: http)
            try await Self.expectLearned(from: 1, on: changed, via: http)
            #expect(try await changed.stop() == 0)
        }
    }
}
