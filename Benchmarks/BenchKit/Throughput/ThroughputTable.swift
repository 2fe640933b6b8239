import Foundation

/// `bench throughput`'s table for one face: each load, the bare server and
/// Ferry side by side, and Ferry as a ratio to it. With several rounds each
/// figure is the median over them, and Ferry ÷ bare is the median of each
/// round's own ratio (the two ran back to back), with its range.
struct ThroughputTable {
    let face: LiveProtocol
    let rows: [ThroughputRunner.Row]

    var text: String {
        let rounds = Set(rows.map(\.round)).count
        var out = "\(face.rawValue): Ferry (zero-cost backend) against a server that answers at once; latency in ms"
        out += rounds > 1 ? "; medians of \(rounds) rounds\n\n" : "\n\n"
        out += "| load | bare req/s | Ferry req/s | Ferry ÷ bare\(rounds > 1 ? " (range)" : "") | bare p50 / p99 / p99.9 | Ferry p50 / p99 / p99.9 | Ferry CPU µs/request (ingress, scheduler, worker, supervisor) | bare CPU µs/request | load client CPU µs/request (bare, Ferry) | not ok (bare, Ferry\(rounds > 1 ? "; all rounds" : "")) |\n"
        out += "|---|---|---|---|---|---|---|---|---|---|\n"
        var loads: [String] = []
        for row in rows where !loads.contains(row.load) { loads.append(row.load) }
        for load in loads {
            let bares = rows.filter { $0.load == load && $0.target == "bare" }
            let ferries = rows.filter { $0.load == load && $0.target == "ferry" }
            guard !bares.isEmpty, !ferries.isEmpty else { continue }
            let bare = Self.median(bares), ferry = Self.median(ferries)
            let ratios = ferries.compactMap { f in
                bares.first { $0.round == f.round && $0.achievedPerS > 0 }.map { f.achievedPerS / $0.achievedPerS * 100 }
            }.sorted()
            var ratio = ratios.median.map { String(format: "%.0f%%", $0) } ?? "–"
            if ratios.count > 1 { ratio += String(format: " (%.0f–%.0f)", ratios.first!, ratios.last!) }
            func lat(_ r: ThroughputRunner.Row) -> String { "\(Report.ms(r.p50Ms)) / \(Report.ms(r.p99Ms)) / \(Report.ms(r.p999Ms))" }
            let cpu = ["ingress", "scheduler", "worker", "supervisor"].map { String(format: "%.0f", ferry.cpuUsPerRequest[$0] ?? 0) }
                .joined(separator: ", ")
            out += "| \(load) | \(String(format: "%.0f", bare.achievedPerS)) | \(String(format: "%.0f", ferry.achievedPerS)) "
            func us(_ r: ThroughputRunner.Row, _ key: String) -> String { String(format: "%.0f", r.cpuUsPerRequest[key] ?? 0) }
            out += "| \(ratio) | \(lat(bare)) | \(lat(ferry)) | \(cpu) | \(us(bare, "bare")) | \(us(bare, "client")), \(us(ferry, "client")) "
            out += "| \(bare.notOK), \(ferry.notOK) |\n"
        }
        return out
    }

    /// Each figure's median over `rows` (one target at one load); not-ok answers summed over them.
    static func median(_ rows: [ThroughputRunner.Row]) -> ThroughputRunner.Row {
        var out = rows[0]
        func m(_ value: (ThroughputRunner.Row) -> Double) -> Double { rows.map(value).median ?? 0 }
        out.achievedPerS = m(\.achievedPerS)
        out.p50Ms = m(\.p50Ms)
        out.p99Ms = m(\.p99Ms)
        out.p999Ms = m(\.p999Ms)
        out.notOK = rows.map(\.notOK).reduce(0, +)
        out.cpuUsPerRequest = Dictionary(uniqueKeysWithValues: Set(rows.flatMap(\.cpuUsPerRequest.keys)).map { key in
            (key, m { $0.cpuUsPerRequest[key] ?? 0 })
        })
        return out
    }
}
