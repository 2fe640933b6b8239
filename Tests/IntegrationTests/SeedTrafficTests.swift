import AsyncHTTPClient
import Foundation
import Testing
import TestSupport

/// Ferry as a user runs it: the supervisor spawns the three processes, the
/// seed's two clients talk HTTP to it, and it shuts down cleanly.
@Suite(.serialized) struct SeedTrafficTests {
    @Test(arguments: ["sjf", "fifo"])
    func seedClientsAreServedThroughRealProcesses(strategy: String) async throws {
        let ferry = try FerryInstance(arguments: ["--strategy", "plugins/\(strategy).so", "--unit-ms", "0.02"])
        try await SeedClient.withHTTPClient { http in
            try await ferry.waitUntilReady(client: http)

            // Separate processes: three children, distinct from each other and from the supervisor.
            let pids = ["worker", "scheduler", "ingress"].compactMap { ferry.pid(of: $0) }
            #expect(pids.count == 3)
            #expect(Set(pids + [ferry.process.processIdentifier]).count == 4)
            #expect(pids.allSatisfy(FerryInstance.isAlive))

            // The 0700 runtime directory exists while Ferry runs.
            let dirs = try FileManager.default.contentsOfDirectory(atPath: ferry.runtimeParent.path)
            #expect(dirs.count == 1)
            let attributes = try FileManager.default.attributesOfItem(atPath: ferry.runtimeParent.appendingPathComponent(dirs[0]).path)
            #expect((attributes[.posixPermissions] as? Int) == 0o700)

            // Client A's burst of 100 and client B's 12, all at once, plus some code.
            let (a, b) = SeedClient.seedTexts(seed: 7)
            let code = ["x = 1;", "def f(): pass", "class A: pass", "{ }", "int main() { return 0; }"]
            async let answersA = SeedClient.burst(a, client: "A", via: http, base: ferry.baseURL)
            async let answersB = SeedClient.burst(b + code, client: "B", via: http, base: ferry.baseURL)
            let answers = try await answersA + answersB
            #expect(answers.count == a.count + b.count + code.count)
            for answer in answers {
                #expect(answer.status == 200, "\(answer.text): \(answer.body)")
                #expect(answer.body == "{\"result\":\"\(SeedClient.expectedLabel(answer.text))\"}")
            }

            // What the backend saw: never more than 5 texts, never two calls at once, nothing lost or doubled.
            let calls = try ferry.calls()
            #expect(calls.reduce(0) { $0 + $1.items } == answers.count)
            #expect(calls.allSatisfy { $0.items >= 1 && $0.items <= 5 && $0.failed == 0 })
            let ordered = calls.sorted { $0.start_ns < $1.start_ns }
            for (earlier, later) in zip(ordered, ordered.dropFirst()) {
                #expect(later.start_ns >= earlier.end_ns, "calls \(earlier.batch) and \(later.batch) overlapped")
            }
            if strategy == "fifo" { #expect(calls.allSatisfy { $0.items == 1 }) }
            if strategy == "sjf" { #expect(calls.count < answers.count) }

            // SIGTERM: exit 0, no child left, runtime directory removed.
            #expect(try await ferry.stop() == 0)
            #expect(pids.allSatisfy { !FerryInstance.isAlive($0) })
            #expect(try FileManager.default.contentsOfDirectory(atPath: ferry.runtimeParent.path).isEmpty)
            #expect(ferry.log.contains("[worker]") && ferry.log.contains("[scheduler]") && ferry.log.contains("[ingress]"))
            // Each process closed every libuv handle before it closed its loop (it reports any it did not).
            #expect(!ferry.log.contains("handles left open"), "\(ferry.log)")
            #expect(!ferry.log.contains(" error "), "an error was logged on a clean run")
        }
    }

    @Test func aKilledWorkerIsRestartedAndNoRequestIsLost() async throws {
        let ferry = try FerryInstance(arguments: ["--strategy", "plugins/sjf.so", "--unit-ms", "1"])
        try await SeedClient.withHTTPClient { http in
            try await ferry.waitUntilReady(client: http)
            let worker = try #require(ferry.pid(of: "worker"))

            let texts = (0..<20).map { String(repeating: "w", count: 10 + $0 % 10) }
            async let answers = SeedClient.burst(texts, client: "A", via: http, base: ferry.baseURL)
            kill(worker, SIGKILL)
            let all = try await answers
            #expect(all.count == texts.count)
            #expect(all.allSatisfy { $0.status == 200 && $0.body == "{\"result\":\"not code\"}" })
            #expect(await ferry.logContains("worker was killed by signal 9; restarting"))
            // The new worker's pid is reported when it says it is ready, which may come after it served.
            try await ferry.waitUntil("a new worker reported") { ferry.pid(of: "worker").map { $0 != worker } ?? false }
            let m = try await ferry.metrics(via: http) { $0["ferry_child_restarts_total{child=\"worker\"}"] == 1 }
            #expect(m["ferry_child_restarts_total{child=\"worker\"}"] == 1 && m["ferry_child_restarts_total{child=\"scheduler\"}"] == 0)
            #expect(try await ferry.stop() == 0)
        }
    }
}
