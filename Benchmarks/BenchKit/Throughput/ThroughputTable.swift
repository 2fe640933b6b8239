import Foundation

/// `bench throughput`'s table for one face: each load, the bare server and
/// Ferry side by side, and Ferry as a ratio to it.
struct ThroughputTable {
    let face: LiveProtocol
    let rows: [ThroughputRunner.Row]

    var text: String {
        var out = "\(face.rawValue): Ferry (zero-cost backend) against a server that answers at once; latency in ms\n\n"
        out += "| load | bare req/s | Ferry req/s | Ferry ÷ bare | bare p50 / p99 / p99.9 | Ferry p50 / p99 / p99.9 | Ferry CPU µs/request (ingress, scheduler, worker, supervisor) | not ok (bare, Ferry) |\n"
        out += "|---|---|---|---|---|---|---|---|\n"
        var loads: [String] = []
        for row in rows where !loads.contains(row.load) { loads.append(row.load) }
        for load in loads {
            guard let bare = rows.first(where: { $0.load == load && $0.target == "bare" }),
                  let ferry = rows.first(where: { $0.load == load && $0.target == "ferry" }) else { continue }
            func lat(_ r: ThroughputRunner.Row) -> String { "\(Report.ms(r.p50Ms)) / \(Report.ms(r.p99Ms)) / \(Report.ms(r.p999Ms))" }
            let cpu = ["ingress", "scheduler", "worker", "supervisor"].map { String(format: "%.0f", ferry.cpuUsPerRequest[$0] ?? 0) }
                .joined(separator: ", ")
            out += "| \(load) | \(String(format: "%.0f", bare.achievedPerS)) | \(String(format: "%.0f", ferry.achievedPerS)) "
            out += "| \(String(format: "%.0f%%", bare.achievedPerS > 0 ? ferry.achievedPerS / bare.achievedPerS * 100 : 0)) "
            out += "| \(lat(bare)) | \(lat(ferry)) | \(cpu) | \(bare.notOK), \(ferry.notOK) |\n"
        }
        return out
    }
}
