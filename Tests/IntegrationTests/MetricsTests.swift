import AsyncHTTPClient
import Foundation
import NIOCore
import Testing
import TestSupport

@Suite(.serialized) struct MetricsTests {
    @Test func metricsParseAsPrometheusTextAndMatchTheTraffic() async throws {
        let ferry = try FerryInstance(arguments: ["--strategy", "plugins/sjf.so", "--unit-ms", "0.02"])
        try await SeedClient.withHTTPClient { http in
            try await ferry.waitUntilReady(client: http)
            let (a, b) = SeedClient.seedTexts(seed: 3)
            async let answersA = SeedClient.burst(a, client: "A", via: http, base: ferry.baseURL)
            async let answersB = SeedClient.burst(b, client: "B", via: http, base: ferry.baseURL)
            let answers = try await answersA + answersB
            #expect(answers.count == 112 && answers.allSatisfy { $0.status == 200 })
            let calls = Double(try ferry.calls().count)
            // The other processes report within about a second of a change: wait (bounded) for the last call.
            let m = try await ferry.metrics(via: http) { m in
                m["ferry_queue_depth{model=\"classifier\"}"] == 0 && m["ferry_in_flight_batches{model=\"classifier\"}"] == 0
                    && m["ferry_worker_calls_total{model=\"classifier\",outcome=\"ok\"}"] == calls && m["ferry_batch_size_count{model=\"classifier\"}"] == calls
            }
            #expect(m.malformed.isEmpty, "not Prometheus text: \(m.malformed)")
            // ingress
            #expect(m["ferry_requests_total{client=\"A\",status=\"200\"}"] == 100)
            #expect(m["ferry_requests_total{client=\"B\",status=\"200\"}"] == 12)
            #expect(m["ferry_request_duration_seconds_count"] == 112)
            #expect(m["ferry_queue_depth{model=\"classifier\"}"] == 0)
            #expect((m["ferry_queue_high_water{model=\"classifier\"}"] ?? 0) > 1)
            // scheduler: every item dispatched once, in as many calls as the worker logged
            #expect(m["ferry_batch_size_count{model=\"classifier\"}"] == calls && m["ferry_batch_size_sum{model=\"classifier\"}"] == 112)
            #expect(m["ferry_batch_size_bucket{model=\"classifier\",le=\"5.0\"}"] == calls)  // none over the batch limit
            #expect(m["ferry_queue_wait_seconds_count{model=\"classifier\"}"] == 112)
            #expect(m["ferry_backend_call_duration_seconds_count{model=\"classifier\"}"] == calls)
            #expect(m["ferry_backend_calls_total{model=\"classifier\",outcome=\"ok\"}"] == calls && m["ferry_backend_calls_total{model=\"classifier\",outcome=\"lost\"}"] == 0)
            #expect((m["ferry_strategy_decision_seconds_count{model=\"classifier\"}"] ?? 0) >= 1)
            #expect(m["ferry_strategy_fallbacks_total{model=\"classifier\"}"] == 0)
            // worker
            #expect(m["ferry_worker_calls_total{model=\"classifier\",outcome=\"ok\"}"] == calls && m["ferry_worker_calls_total{model=\"classifier\",outcome=\"refused\"}"] == 0)
            // supervisor
            for child in ["worker", "scheduler", "ingress"] {
                #expect(m["ferry_child_up{child=\"\(child)\"}"] == 1 && m["ferry_child_restarts_total{child=\"\(child)\"}"] == 0, "\(child)")
            }
            #expect(try await ferry.stop() == 0)
        }
    }
}

@Suite(.serialized) struct LogTests {
    @Test func everyLineReachesTheLogFileAndShutdownLogsASummary() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-log-\(UUID().uuidString).log")
        let ferry = try FerryInstance(arguments: ["--strategy", "plugins/sjf.so", "--unit-ms", "0.02", "--log-file", file.path])
        try await SeedClient.withHTTPClient { http in
            try await ferry.waitUntilReady(client: http)
            let answers = try await SeedClient.burst((0..<30).map { "text \($0)" }, client: "A", via: http, base: ferry.baseURL)
            #expect(answers.allSatisfy { $0.status == 200 })
            #expect(try await ferry.stop() == 0)
        }
        let log = try String(contentsOf: file, encoding: .utf8)
        #expect(log.contains("[Supervisor] Ferry is ready"))
        #expect(log.contains("[worker] ") && log.contains("[scheduler] ") && log.contains("[ingress] "))
        #expect(log.contains("run summary: 30 requests") && log.contains("by status 200: 30"))
        #expect(log.contains("Ferry stopped cleanly"))
    }
}
