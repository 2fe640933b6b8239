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
            // Queue depth reaches ingress within 100 ms of a change: poll (bounded).
            var page = ""
            for _ in 0..<250 {
                page = String(buffer: try await http.get(url: "\(ferry.baseURL)/metrics").get().body ?? ByteBuffer())
                if page.contains("ferry_queue_depth 0.0") && page.contains("ferry_in_flight_batches 0.0") { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            var samples: [String: Double] = [:]
            let line = try Regex(#"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (-?[0-9.eE+]+|NaN|\+Inf)$"#)
            for row in page.split(separator: "\n") where !row.hasPrefix("#") {
                #expect(try line.wholeMatch(in: String(row)) != nil, "not Prometheus text: \(row)")
                guard let space = row.lastIndex(of: " ") else { continue }
                samples[String(row[..<space])] = Double(row[row.index(after: space)...])
            }
            #expect(samples["ferry_requests_total{client=\"A\",status=\"200\"}"] == 100)
            #expect(samples["ferry_requests_total{client=\"B\",status=\"200\"}"] == 12)
            #expect(samples["ferry_request_duration_seconds_count"] == 112)
            #expect(samples["ferry_queue_depth"] == 0)
            #expect((samples["ferry_queue_high_water"] ?? 0) > 1)
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
