import Foundation

/// The table `bench versus` prints for one workload at one rate: a row per
/// system, each figure the median of its repetitions; then each Ferry system
/// against the batcher and against Triton alone, repetition by repetition
/// (`VersusRepByRep`).
struct VersusTable {
    let workload: Workload
    let rate: Double
    let systems: [String]
    let runs: [VersusRunner.Run]

    var text: String {
        let clients = Set(runs.flatMap { $0.figures.clients.keys }).sorted()
        let reps = Set(runs.map(\.rep)).count
        var out = "\(workload.name) ×\(VersusRunner.number(rate)) rate — \(workload.description)\n"
        let sent = workload.clients.map { "\($0.name) \($0.requestCount)" }.joined(separator: ", ")
        out += "(median of \(reps) interleaved run\(reps == 1 ? "" : "s") of \(sent) requests; latency in ms, or s where marked; bound: the lower bound of the mean)\n"
        out += headroom(runs.map(\.figures)) + "\n\n"
        out += "| system | mean (× bound) | p50 | p99 | " + clients.map { "\($0) mean / p99" }.joined(separator: " | ")
            + " | req/s | items/call | not answered | wrong |\n"
        out += "|---|---|---|---|" + clients.map { _ in "---|" }.joined() + "---|---|---|---|\n"
        for system in systems {
            let mine = runs.filter { $0.system == system }.map(\.figures)
            guard !mine.isEmpty else { continue }
            func m(_ f: (Figures) -> Double) -> Double { mine.map(f).median ?? 0 }
            let fill = m { $0.batchFill * Double(workload.backend.batchLimit) }
            var row = "| \(system) | \(Report.ms(m { $0.all.meanMs })) (\(String(format: "%.2f", m { $0.ratioToBound }))) "
            row += "| \(Report.ms(m { $0.all.p50Ms })) | \(Report.ms(m { $0.all.p99Ms })) | "
            row += clients.map { c in "\(Report.ms(m { $0.clients[c]?.meanMs ?? 0 })) / \(Report.ms(m { $0.clients[c]?.p99Ms ?? 0 }))" }
                .joined(separator: " | ")
            row += " | \(String(format: "%.1f", m { $0.throughputPerS })) | \(fill > 0 ? String(format: "%.2f", fill) : "–") "
            row += "| \(Int(m { Double($0.rejected + $0.expired + $0.failed) })) "
            row += "| \(Int(runs.filter { $0.system == system }.map { Double($0.wrongAnswers) }.median ?? 0)) |\n"
            out += row
        }
        let samples = runs.map(VersusRepByRep.Sample.init)
        for kind in [VersusRepByRep.Reference.bestBatcher, .alone] {
            if let byRep = VersusRepByRep(systems: systems, samples: samples, against: kind) { out += "\n" + byRep.text }
        }
        return out
    }

    /// What batching and scheduling can win on this trace at all, under the
    /// workload's law: each item alone in arrival order (what Triton alone
    /// does) against the lower bound, medians over the runs.
    func headroom(_ figures: [Figures]) -> String {
        let alone = figures.map(\.inOrderAloneMs).median ?? 0, bound = figures.map(\.boundMs).median ?? 0
        let room = max(0, alone - bound)
        func ms(_ v: Double) -> String { v >= 10_000 ? Report.ms(v) : Report.ms(v) + " ms" }  // "12.3s" past 10 s
        return "(headroom: under the workload's law this trace, each item sent alone in arrival order, averages \(ms(alone)) "
            + "and no schedule can average under \(ms(bound)): batching and scheduling can win at most \(ms(room)) a request "
            + "(\(Int((100 * room / max(alone, 1e-9)).rounded()))%) over sending each item alone, and a gateway's own hops count against that)"
    }
}
