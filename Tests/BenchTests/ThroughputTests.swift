@testable import BenchKit
import Foundation
import Testing
import TestSupport

/// `bench throughput` end to end: the bare server and Ferry take the same
/// small load over two faces, two rounds; every request is answered right by both.
@Suite(.serialized) struct ThroughputCommandTests {
    @Test func ferryAndTheBareServerAnswerTheSameLoad() async throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-throughput-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let (status, text) = try await BuildProducts.runBench(["throughput", "--rate", "50", "--seconds", "0.4", "--clients", "2",
                                                         "--closed-requests", "20", "--rounds", "2", "--protocol", "seed,oip-grpc", "--out", out])
        #expect(status == 0, "\(text.suffix(3000))")
        let rows = try JSONDecoder().decode([ThroughputRunner.Row].self, from: Data(contentsOf: URL(fileURLWithPath: "\(out)/throughput.json")))
        // Two faces × two loads (open 50/s, closed 2) × two rounds × two targets.
        #expect(rows.count == 16)
        #expect(Set(rows.map(\.face)) == ["seed", "oip-grpc"] && Set(rows.map(\.target)) == ["bare", "ferry"])
        #expect(Set(rows.map(\.round)) == [1, 2])
        // The second round runs Ferry first: the order flips, so drift favours neither.
        let closedSeed = rows.filter { $0.face == "seed" && $0.load == "closed 2" }
        #expect(closedSeed.map(\.target) == ["bare", "ferry", "ferry", "bare"])
        for row in rows {
            #expect(row.notOK == 0 && row.achievedPerS > 0 && row.p50Ms > 0, "\(row.face) \(row.load) \(row.target)")
        }
        // Ferry's processes are found by the supervisor's report, not by name.
        #expect(rows.filter { $0.target == "ferry" }.allSatisfy { Set($0.cpuUsPerRequest.keys) == ["ingress", "scheduler", "worker", "supervisor", "client"] })
        // The bare server's CPU and the load client's (this bench) are measured the same way, for the same requests.
        #expect(rows.filter { $0.target == "bare" }.allSatisfy { Set($0.cpuUsPerRequest.keys) == ["bare", "client"] })
        #expect(text.contains("| closed 2 |") && text.contains("medians of 2 rounds"))
    }
}

/// The table's medians, on rows made up here.
@Suite struct ThroughputTableTests {
    static func row(_ target: String, round: Int, rate: Double, p99: Double, cpu: Double = 0) -> ThroughputRunner.Row {
        .init(face: "seed", target: target, load: "closed 64", round: round, offeredPerS: nil, achievedPerS: rate,
              p50Ms: 1, p99Ms: p99, p999Ms: p99, notOK: target == "ferry" ? 1 : 0,
              cpuUsPerRequest: target == "ferry" ? ["ingress": cpu, "client": cpu / 2] : ["bare": 40, "client": 60])
    }

    @Test func eachFigureIsTheMedianAndTheRatioIsPerRound() {
        // Round 2 ran on a machine twice as slow: its ratio is as good as round 1's.
        let rows = [Self.row("bare", round: 1, rate: 1_000, p99: 10), Self.row("ferry", round: 1, rate: 900, p99: 12, cpu: 100),
                    Self.row("bare", round: 2, rate: 500, p99: 30), Self.row("ferry", round: 2, rate: 450, p99: 14, cpu: 300),
                    Self.row("bare", round: 3, rate: 800, p99: 20), Self.row("ferry", round: 3, rate: 400, p99: 13, cpu: 200)]
        let text = ThroughputTable(face: .seed, rows: rows).text
        // Ratios 90%, 90%, 50%: median 90%, range 50–90. Rates: bare 800, Ferry 450; p99 bare 20, Ferry 13;
        // CPU: Ferry's ingress 200, the bare server 40, the client 60 beside bare and 100 beside Ferry; not ok 0, 3.
        #expect(text.contains("| closed 64 | 800 | 450 | 90% (50–90) | 1.0 / 20.0 / 20.0 | 1.0 / 13.0 / 13.0 | 200, 0, 0, 0 | 40 | 60, 100 | 0, 3 |"), "\(text)")
        #expect(text.contains("medians of 3 rounds"))
    }
}
