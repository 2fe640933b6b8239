import AsyncHTTPClient
import Foundation
import Testing
import TestSupport

/// Ferry in front of the reference model server (a real FastAPI/uvicorn
/// process speaking the seed's /classify contract).
@Suite(.serialized) struct UpstreamTests {
    func ferry(_ upstreams: [String], _ extra: [String] = []) throws -> FerryInstance {
        try FerryInstance(arguments: ["--strategy", "plugins/sjf.so", "--backend", "http"] + upstreams.flatMap { ["--upstream", $0] } + extra)
    }

    @Test func seedTrafficInFrontOfTheReferenceServer() async throws {
        let model = try ModelServer(["--unit-ms", "0.05"])
        defer { model.stop() }
        let ferry = try ferry([model.url])
        try await SeedClient.withHTTPClient { http in
            try await model.waitUntilUp(client: http)
            try await ferry.waitUntilReady(client: http)
            let (a, b) = SeedClient.seedTexts(seed: 5)
            async let answersA = SeedClient.burst(a, client: "A", via: http, base: ferry.baseURL)
            async let answersB = SeedClient.burst(b + ["class K: pass", "a; b"], client: "B", via: http, base: ferry.baseURL)
            let answers = try await answersA + answersB
            #expect(answers.count == 114)
            for answer in answers {
                #expect(answer.status == 200 && answer.body == "{\"result\":\"\(SeedClient.expectedLabel(answer.text))\"}", "\(answer.text): \(answer.body)")
            }
            let stats = try await model.stats(client: http)
            #expect(stats["texts"] == 114, "\(stats)")
            #expect(stats["max_batch"] ?? 99 <= 5)
            // One call running and (the default for one upstream) one sent ahead, waiting in the server's queue: never more.
            #expect(stats["max_active"] ?? 99 <= 2, "\(stats)")
            #expect(try await ferry.stop() == 0)
        }
    }

    @Test func fiveHundredsAreRetried() async throws {
        let model = try ModelServer(["--unit-ms", "0.05", "--fail-every", "3"])
        defer { model.stop() }
        // One call at a time: a retry is the server's next call, so failing
        // every third call never fails one item's three tries (a call sent
        // ahead could take the turns between them).
        let ferry = try ferry([model.url], ["--pipeline", "0"])
        try await SeedClient.withHTTPClient { http in
            try await model.waitUntilUp(client: http)
            try await ferry.waitUntilReady(client: http)
            let answers = try await SeedClient.burst((0..<40).map { "text \($0)" }, client: "A", via: http, base: ferry.baseURL)
            #expect(answers.allSatisfy { $0.status == 200 }, "\(answers.filter { $0.status != 200 }.map { "\($0.text): \($0.status) \($0.body)" })")
            let failed = (try await model.stats(client: http))["failed"] ?? 0
            #expect(failed > 0)
            #expect(await ferry.logContains("answered 500"))
            // Every 500 the upstream gave is counted as a retryable try in /metrics.
            let retryable = "ferry_upstream_attempts_total{upstream=\"\(model.url)\",result=\"retryable\"}"
            let m = try await ferry.metrics(via: http) { $0[retryable] == Double(failed) }
            #expect(m[retryable] == Double(failed), "\(m.text)")
            #expect(try await ferry.stop() == 0)
        }
    }

    @Test func aCallBeyondTheTimeoutIsRetried() async throws {
        let model = try ModelServer(["--unit-ms", "0.05", "--slow-every", "4", "--slow-ms", "3000"])
        defer { model.stop() }
        // 1.5 s: far past a normal call even on a loaded machine, short of the slow one's 3 s.
        let ferry = try ferry([model.url], ["--upstream-timeout-ms", "1500"])
        try await SeedClient.withHTTPClient { http in
            try await model.waitUntilUp(client: http)
            try await ferry.waitUntilReady(client: http)
            var answers: [SeedClient.Answer] = []
            for i in 0..<8 { answers.append(try await SeedClient.classify("one \(i)", client: "A", via: http, base: ferry.baseURL)) }
            #expect(answers.allSatisfy { $0.status == 200 }, "\(answers.map(\.body))")
            #expect(await ferry.logContains("did not answer within 1500 ms"))
            #expect(try await ferry.stop() == 0)
            // The call that timed out answered on its next try, and that try's
            // time (under the timeout, or it too would have timed out) is what
            // the scheduler learned: not the 1.5 s try and the backoff before it.
            let calls = try BackendCall.read(log: ferry.callLog.path)
            #expect(calls.contains { $0.failed == 0 && ($0.queued_ns ?? 0) >= 1_500_000_000 }, "\(calls.map { ($0.queued_ns, $0.serviceNs) })")
            #expect(calls.allSatisfy { $0.failed > 0 || $0.serviceNs < 1_500_000_000 }, "\(calls.map { ($0.queued_ns, $0.serviceNs) })")
        }
    }

    @Test func aWrongNumberOfResultsIsAClearErrorAndNothingIsLost() async throws {
        let model = try ModelServer(["--unit-ms", "0.05", "--wrong-every", "2"])
        defer { model.stop() }
        let ferry = try ferry([model.url])
        try await SeedClient.withHTTPClient { http in
            try await model.waitUntilUp(client: http)
            try await ferry.waitUntilReady(client: http)
            var answers: [SeedClient.Answer] = []
            for i in 0..<6 { answers.append(try await SeedClient.classify("one \(i)", client: "A", via: http, base: ferry.baseURL)) }
            #expect(answers.count == 6)
            let bad = answers.filter { $0.status == 502 }
            #expect(bad.count == 3, "\(answers.map(\.body))")
            #expect(bad.allSatisfy { $0.body.contains("answered 0 results for 1 texts") })
            #expect(answers.filter { $0.status == 200 }.count == 3)
            #expect(try await ferry.stop() == 0)
        }
    }

    @Test func aRefusingUpstreamIsAvoidedAndNothingFails() async throws {
        let model = try ModelServer(["--unit-ms", "0.05"])
        defer { model.stop() }
        let dead = "http://127.0.0.1:\(try FreePort.find())"
        let ferry = try ferry([dead, model.url], ["--concurrency", "1"])
        try await SeedClient.withHTTPClient { http in
            try await model.waitUntilUp(client: http)
            try await ferry.waitUntilReady(client: http)
            var answers: [SeedClient.Answer] = []
            for i in 0..<6 { answers.append(try await SeedClient.classify("one \(i)", client: "A", via: http, base: ferry.baseURL)) }
            #expect(answers.allSatisfy { $0.status == 200 }, "\(answers.map(\.body))")
            #expect(try await ferry.stop() == 0)
        }
    }

    /// A model server that is down (restarting) refuses connections: nothing
    /// ran, so the worker keeps trying (more than its 3 tries) and the request
    /// is answered once the server is up.
    @Test func aModelServerThatIsDownCostsLatencyNotAnswers() async throws {
        let port = try FreePort.find()
        let url = "http://127.0.0.1:\(port)"
        // Tries go on until the upstream timeout: longer than a Python server
        // can take to start on a loaded machine.
        let ferry = try ferry([url], ["--upstream-timeout-ms", "600000"])
        try await SeedClient.withHTTPClient { http in
            try await ferry.waitUntilReady(client: http)
            async let answer = SeedClient.classify("while it was down", client: "A", via: http, base: ferry.baseURL)
            let refusals = #"ferry_upstream_attempts_total{upstream="\#(url)",result="unreachable"}"#
            let page = try await ferry.metrics(via: http) { ($0[refusals] ?? 0) >= 4 }
            #expect((page[refusals] ?? 0) >= 4, "\(page.text)")
            let model = try ModelServer(["--unit-ms", "0.05"], port: port)
            defer { model.stop() }
            let a = try await answer
            #expect(a.status == 200 && a.body == #"{"result":"not code"}"#, "\(a.body)")
            #expect(try await ferry.stop() == 0)
        }
    }

    @Test func aConnectionTheUpstreamClosedWhileIdleNeverFailsARequest() async throws {
        let model = try ModelServer(["--unit-ms", "0.05", "--keep-alive-s", "0.5"])
        defer { model.stop() }
        let ferry = try ferry([model.url])
        try await SeedClient.withHTTPClient { http in
            try await model.waitUntilUp(client: http)
            try await ferry.waitUntilReady(client: http)
            for round in 0..<3 {
                let answer = try await SeedClient.classify("after a pause \(round)", client: "A", via: http, base: ferry.baseURL)
                #expect(answer.status == 200, "\(answer.body)")
                try await Task.sleep(for: .milliseconds(1200))  // longer than the upstream's keep-alive
            }
            #expect(try await ferry.stop() == 0)
        }
    }

    /// `--pipeline 1`: while the model server holds its one running call,
    /// Ferry sends exactly one more ahead (it waits in the server's queue)
    /// and no third; released, every text is answered right, and the call
    /// log says how long the one sent ahead waited, so the time the scheduler
    /// learns from is the call's own (the server runs one at a time: those
    /// times never overlap).
    @Test func aPipelinedCallWaitsInTheServersQueueAndIsTimedFromItsStart() async throws {
        let model = try ModelServer(["--unit-ms", "0.05", "--hold"])
        defer { model.stop() }
        let ferry = try ferry([model.url], ["--concurrency", "1", "--pipeline", "1", "--batch-limit", "1"])
        try await SeedClient.withHTTPClient { http in
            try await model.waitUntilUp(client: http)
            try await ferry.waitUntilReady(client: http)
            let texts = (0..<6).map { "def f\($0)(): pass" } + (0..<6).map { "plain words \($0)" }
            async let answers = SeedClient.burst(texts, client: "A", via: http, base: ferry.baseURL)
            // The held call and the one sent ahead are both at the server.
            let deadline = ContinuousClock.now + .seconds(30)
            var stats = try await model.stats(client: http)
            while stats["active"] != 2 && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
                stats = try await model.stats(client: http)
            }
            #expect(stats["active"] == 2 && stats["calls"] == 2, "\(stats)")
            _ = try await http.post(url: "\(model.url)/release", body: nil).get()
            for answer in try await answers {
                #expect(answer.status == 200 && answer.body == "{\"result\":\"\(SeedClient.expectedLabel(answer.text))\"}", "\(answer.text): \(answer.body)")
            }
            stats = try await model.stats(client: http)
            #expect(stats["calls"] == 12 && stats["max_active"] == 2, "\(stats)")
            #expect(try await ferry.stop() == 0)
            let calls = try ferry.calls().sorted { $0.ranNs < $1.ranNs }
            #expect(calls.count == 12)
            #expect(calls.contains { ($0.queued_ns ?? 0) > 0 }, "no call was timed as waiting in the server's queue")
            for (earlier, later) in zip(calls, calls.dropFirst()) {
                #expect(later.ranNs >= earlier.end_ns, "calls \(earlier.batch) and \(later.batch) are timed as running at once")
            }
        }
    }
}
