import BenchKit
import Foundation
import Testing
import TestSupport

/// `bench throughput` end to end: the bare server and Ferry take the same
/// small load over two faces; every request is answered right by both.
@Suite(.serialized) struct ThroughputCommandTests {
    @Test func ferryAndTheBareServerAnswerTheSameLoad() async throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-throughput-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let (status, text) = try await BuildProducts.runBench(["throughput", "--rate", "50", "--seconds", "0.4", "--clients", "2",
                                                         "--closed-requests", "20", "--protocol", "seed,oip-grpc", "--out", out])
        #expect(status == 0, "\(text.suffix(3000))")
        let rows = try JSONDecoder().decode([ThroughputRunner.Row].self, from: Data(contentsOf: URL(fileURLWithPath: "\(out)/throughput.json")))
        // Two faces × two loads (open 50/s, closed 2) × two targets.
        #expect(rows.count == 8)
        #expect(Set(rows.map(\.face)) == ["seed", "oip-grpc"] && Set(rows.map(\.target)) == ["bare", "ferry"])
        for row in rows {
            #expect(row.notOK == 0 && row.achievedPerS > 0 && row.p50Ms > 0, "\(row.face) \(row.load) \(row.target)")
        }
        // Ferry's processes are found by the supervisor's report, not by name.
        #expect(rows.filter { $0.target == "ferry" }.allSatisfy { Set($0.cpuUsPerRequest.keys) == ["ingress", "scheduler", "worker", "supervisor"] })
        #expect(text.contains("| closed 2 |"))
    }
}
