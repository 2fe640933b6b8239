import Foundation

/// The terminal tables: one per workload, best value per column marked `*`.
public enum Report {
    struct Column: Sendable {
        let title: String
        let value: @Sendable (Figures) -> Double
        /// true when lower is better; nil when no "best" applies.
        let lowerIsBetter: Bool?
        let format: @Sendable (Double) -> String
        /// Measured against the requests' own service time, so undefined
        /// (shown "–") on a zero-cost backend.
        var needsCost = false
    }

    static let columns: [Column] = [
        Column(title: "n", value: { Double($0.all.count) }, lowerIsBetter: nil, format: { String(Int($0)) }),
        Column(title: "mean", value: { $0.all.meanMs }, lowerIsBetter: true, format: ms),
        Column(title: "p50", value: { $0.all.p50Ms }, lowerIsBetter: true, format: ms),
        Column(title: "p95", value: { $0.all.p95Ms }, lowerIsBetter: true, format: ms),
        Column(title: "p99", value: { $0.all.p99Ms }, lowerIsBetter: true, format: ms),
        Column(title: "max", value: { $0.all.maxMs }, lowerIsBetter: true, format: ms),
        Column(title: "slowdn", value: { $0.all.meanSlowdown }, lowerIsBetter: true, format: { number($0) }, needsCost: true),
        Column(title: "jain", value: { $0.jain }, lowerIsBetter: false, format: { String(format: "%.3f", $0) }, needsCost: true),
        Column(title: "thr/s", value: { $0.throughputPerS }, lowerIsBetter: false, format: { number($0) }),
        Column(title: "util", value: { $0.utilisation }, lowerIsBetter: nil, format: { String(format: "%.0f%%", $0 * 100) }),
        Column(title: "fill", value: { $0.batchFill }, lowerIsBetter: nil, format: { String(format: "%.0f%%", $0 * 100) }),
        Column(title: "calls", value: { Double($0.calls) }, lowerIsBetter: nil, format: { String(Int($0)) }),
        Column(title: "rej", value: { Double($0.rejected) }, lowerIsBetter: nil, format: { String(Int($0)) }),
        Column(title: "exp", value: { Double($0.expired) }, lowerIsBetter: nil, format: { String(Int($0)) }),
        Column(title: "bound", value: { $0.boundMs }, lowerIsBetter: nil, format: ms, needsCost: true),
        Column(title: "×bound", value: { $0.ratioToBound }, lowerIsBetter: true, format: { String(format: "%.2f", $0) }, needsCost: true),
    ]

    /// Milliseconds, compact.
    static func ms(_ v: Double) -> String {
        if v >= 10_000 { return String(format: "%.1fs", v / 1000) }
        if v >= 100 { return String(format: "%.0f", v) }
        if v >= 1 { return String(format: "%.1f", v) }
        return String(format: "%.3f", v)
    }

    public static func number(_ v: Double) -> String {
        if v >= 100 || v == v.rounded() { return String(format: "%.0f", v) }
        return String(format: "%.2f", v)
    }

    /// The comparison table for one workload.
    public static func table(workload: Workload, rows: [Figures], baseline: String?) -> String {
        var header = ["strategy"] + columns.map(\.title)
        let base = baseline.flatMap { name in rows.first { $0.strategy == name } }
        if let base { header.append("vs \(base.strategy)") }
        var lines: [[String]] = []
        let costless = workload.backend.unitMs == 0 && (workload.backend.callMs ?? 0) == 0
        for row in rows {
            var cells = [row.strategy]
            for column in columns {
                if costless && column.needsCost {
                    cells.append("–")
                    continue
                }
                var text = column.format(column.value(row))
                if let lower = column.lowerIsBetter, rows.count > 1 {
                    let values = rows.map(column.value)
                    let best = lower ? values.min()! : values.max()!
                    if column.value(row) == best { text += "*" }
                }
                cells.append(text)
            }
            if let base {
                cells.append(base.all.meanMs > 0 ? String(format: "%.2f×", row.all.meanMs / base.all.meanMs) : "–")
            }
            lines.append(cells)
        }
        var out = "\n== \(workload.name) — \(workload.description)\n"
        out += "   backend: batch limit \(workload.backend.batchLimit), \(workload.backend.concurrency) call(s) at once, "
        out += "\(workload.backend.unitMs) ms × len²\((workload.backend.callMs ?? 0) > 0 ? " + \(workload.backend.callMs!) ms a call" : ""); latencies in ms; * best\(costless ? "; zero-cost: slowdown, fairness and bound undefined" : "")\n"
        out += render([header] + lines)
        // Per client: mean and p99.
        let names = Array(Set(rows.flatMap { $0.clients.keys })).sorted()
        if names.count > 1 && names.count <= 8 {
            var clientHeader = ["per client"]
            for n in names { clientHeader += ["\(n) n", "\(n) mean", "\(n) p99"] }
            var clientLines: [[String]] = []
            for row in rows {
                var cells = [row.strategy]
                for n in names {
                    let c = row.clients[n]
                    cells += [c.map { String($0.count) } ?? "0", c.map { ms($0.meanMs) } ?? "–", c.map { ms($0.p99Ms) } ?? "–"]
                }
                clientLines.append(cells)
            }
            out += render([clientHeader] + clientLines)
        }
        return out
    }

    /// Decision cost per strategy at each depth.
    public static func decisionTable(_ costs: [String: [DecisionCost]]) -> String {
        guard let depths = costs.values.first?.map(\.depth) else { return "" }
        var header = ["decision cost"]
        for d in depths { header += ["ns/dec @\(d)", "ns/item @\(d)"] }
        var lines: [[String]] = []
        for name in costs.keys.sorted() {
            var cells = [name]
            for c in costs[name]! { cells += [String(format: "%.0f", c.nsPerDecision), String(format: "%.0f", c.nsPerItem)] }
            lines.append(cells)
        }
        return "\n== decision cost — one scheduling decision through the real host, queue kept at each depth\n" + render([header] + lines)
    }

    static func render(_ rows: [[String]]) -> String {
        var widths = [Int](repeating: 0, count: rows.map(\.count).max() ?? 0)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        var out = ""
        for (r, row) in rows.enumerated() {
            let cells = row.enumerated().map { i, cell in
                i == 0 ? cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                       : String(repeating: " ", count: widths[i] - cell.count) + cell
            }
            out += "   " + cells.joined(separator: "  ") + "\n"
            if r == 0 { out += "   " + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n" }
        }
        return out
    }
}
