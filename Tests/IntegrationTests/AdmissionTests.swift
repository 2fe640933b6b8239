import AsyncHTTPClient
import Foundation
import Testing
import TestSupport

/// `--admission predictive` on the real processes: behind a long call, a
/// request whose deadline the cost law says it cannot meet is refused at
/// once (429 with Retry-After, not a 504 after waiting); one with room is served.
@Suite(.serialized) struct AdmissionTests {
    @Test func aRequestThatWouldMissItsDeadlineIsRefusedAtOnce() async throws {
        let ferry = try FerryInstance(arguments: ["--unit-ms", "1", "--batch-limit", "1", "--admission", "predictive",
                                                  "--heartbeat-timeout-s", "600"])
        try await SeedClient.withHTTPClient { http in
            try await ferry.waitUntilReady(client: http)
            // 142 characters: a 20 s call under the seed's law (the prior, and what the
            // backend does), held in its worker (stopped before the call is sent)
            // while the tight request is judged; the roomy one's 60 s covers the rest.
            let hold = try ferry.holdWorker()
            defer { hold.release() }
            async let long = SeedClient.classify(String(repeating: "x", count: 142), client: "A", via: http, base: ferry.baseURL)
            _ = try await ferry.readyz(client: http) { $0.contains("\"in_flight\":\"1\"") }
            let tight = try await SeedClient.classify("hi", client: "B", via: http, base: ferry.baseURL, headers: [("X-Timeout-Ms", "1000")])
            #expect(tight.status == 429 && tight.body.contains("predicted to finish in"), "\(tight.status) \(tight.body)")
            hold.release()
            let roomy = try await SeedClient.classify("ho", client: "B", via: http, base: ferry.baseURL, headers: [("X-Timeout-Ms", "60000")])
            #expect(roomy.status == 200, "\(roomy.body)")
            #expect(try await long.status == 200)
            #expect(try await ferry.stop() == 0)
        }
        // The refused request never reached the backend.
        #expect(try ferry.calls().map(\.items).reduce(0, +) == 2)
    }
}
