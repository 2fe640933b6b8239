import Foundation

/// SVG charts a user opens in a browser: the latency CDF per strategy, mean
/// latency per client and strategy, and each strategy's ratio to the bound.
public enum Charts {
    static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]

    /// One SVG page for a workload. `latencies`: ms per strategy (ok answers).
    public static func page(workload: String, rows: [Figures], latencies: [String: [Double]]) -> String {
        let width = 900, chartHeight = 300
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(chartHeight * 3 + 160)\" font-family=\"sans-serif\" font-size=\"12\">\n"
        svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        svg += "<text x=\"20\" y=\"24\" font-size=\"16\" font-weight=\"bold\">\(escape(workload))</text>\n"
        svg += cdf(rows: rows, latencies: latencies, x: 60, y: 50, w: width - 260, h: chartHeight - 40)
        svg += clientBars(rows: rows, x: 60, y: 50 + chartHeight + 40, w: width - 260, h: chartHeight - 40)
        svg += ratioBars(rows: rows, x: 60, y: 50 + 2 * (chartHeight + 40), w: width - 260, h: chartHeight - 40)
        svg += "</svg>\n"
        return svg
    }

    static func f(_ v: Double) -> String { String(format: "%.1f", v) }

    static func escape<S: StringProtocol>(_ s: S) -> String {
        String(s).replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    static func axes(x: Int, y: Int, w: Int, h: Int, title: String, xLabel: String, yLabel: String) -> String {
        var s = "<text x=\"\(x)\" y=\"\(y - 8)\" font-weight=\"bold\">\(escape(title))</text>\n"
        s += "<line x1=\"\(x)\" y1=\"\(y + h)\" x2=\"\(x + w)\" y2=\"\(y + h)\" stroke=\"black\"/>\n"
        s += "<line x1=\"\(x)\" y1=\"\(y)\" x2=\"\(x)\" y2=\"\(y + h)\" stroke=\"black\"/>\n"
        s += "<text x=\"\(x + w / 2)\" y=\"\(y + h + 30)\" text-anchor=\"middle\">\(escape(xLabel))</text>\n"
        s += "<text x=\"\(x - 45)\" y=\"\(y + h / 2)\" transform=\"rotate(-90 \(x - 45) \(y + h / 2))\" text-anchor=\"middle\">\(escape(yLabel))</text>\n"
        return s
    }

    static func legend(_ names: [String], x: Int, y: Int) -> String {
        legendEntries(names.enumerated().map { ($0.element, palette[$0.offset % palette.count]) }, x: x, y: y)
    }

    /// A legend with a colour chosen per entry.
    static func legendEntries(_ entries: [(name: String, colour: String)], x: Int, y: Int) -> String {
        var s = ""
        for (i, e) in entries.enumerated() {
            s += "<rect x=\"\(x)\" y=\"\(y + i * 18)\" width=\"12\" height=\"12\" fill=\"\(e.colour)\"/>"
            s += "<text x=\"\(x + 18)\" y=\"\(y + i * 18 + 10)\">\(escape(e.name))</text>\n"
        }
        return s
    }

    static func cdf(rows: [Figures], latencies: [String: [Double]], x: Int, y: Int, w: Int, h: Int) -> String {
        let maxLatency = max(0.001, latencies.values.compactMap { $0.max() }.max() ?? 1)
        var s = axes(x: x, y: y, w: w, h: h, title: "Latency CDF", xLabel: "latency (ms, up to \(Report.ms(maxLatency)))", yLabel: "fraction answered")
        for (i, row) in rows.enumerated() {
            let values = (latencies[row.strategy] ?? []).sorted()
            guard !values.isEmpty else { continue }
            let step = max(1, values.count / 400)
            var points: [String] = []
            for k in stride(from: 0, to: values.count, by: step) + [values.count - 1] {
                let px = Double(x) + values[k] / maxLatency * Double(w)
                let py = Double(y + h) - Double(k + 1) / Double(values.count) * Double(h)
                points.append(String(format: "%.1f,%.1f", px, py))
            }
            s += "<polyline fill=\"none\" stroke=\"\(palette[i % palette.count])\" stroke-width=\"1.5\" points=\"\(points.joined(separator: " "))\"/>\n"
        }
        return s + legend(rows.map(\.strategy), x: x + w + 20, y: y)
    }

    static func clientBars(rows: [Figures], x: Int, y: Int, w: Int, h: Int) -> String {
        let clients = Array(Set(rows.flatMap { $0.clients.keys })).sorted().prefix(10)
        let maxMean = max(0.001, rows.flatMap { $0.clients.values.map(\.meanMs) }.max() ?? 1)
        var s = axes(x: x, y: y, w: w, h: h, title: "Mean latency per client", xLabel: "client", yLabel: "mean ms (max \(Report.ms(maxMean)))")
        let groupWidth = Double(w) / Double(max(1, clients.count))
        let barWidth = groupWidth * 0.8 / Double(max(1, rows.count))
        for (ci, client) in clients.enumerated() {
            let gx = Double(x) + groupWidth * Double(ci) + groupWidth * 0.1
            for (ri, row) in rows.enumerated() {
                let v = row.clients[client]?.meanMs ?? 0
                let bh = v / maxMean * Double(h)
                s += "<rect x=\"\(f(gx + barWidth * Double(ri)))\" y=\"\(f(Double(y + h) - bh))\" width=\"\(f(barWidth))\" height=\"\(f(bh))\" fill=\"\(palette[ri % palette.count])\">"
                s += "<title>\(escape(row.strategy)) \(escape(client)): \(Report.ms(v)) ms</title></rect>\n"
            }
            s += "<text x=\"\(f(gx + groupWidth * 0.4))\" y=\"\(y + h + 14)\" text-anchor=\"middle\">\(escape(client))</text>\n"
        }
        return s + legend(rows.map(\.strategy), x: x + w + 20, y: y)
    }

    static func ratioBars(rows: [Figures], x: Int, y: Int, w: Int, h: Int) -> String {
        let maxRatio = max(1.0, rows.map(\.ratioToBound).max() ?? 1)
        var s = axes(x: x, y: y, w: w, h: h, title: "Mean ÷ lower bound (1.0 is the best possible)", xLabel: "strategy", yLabel: "ratio (max \(String(format: "%.1f", maxRatio)))")
        let barWidth = Double(w) / Double(max(1, rows.count))
        for (i, row) in rows.enumerated() {
            let bh = row.ratioToBound / maxRatio * Double(h)
            let cx = Double(x) + barWidth * (Double(i) + 0.5)
            s += "<rect x=\"\(f(Double(x) + barWidth * Double(i) + barWidth * 0.1))\" y=\"\(f(Double(y + h) - bh))\" width=\"\(f(barWidth * 0.8))\" height=\"\(f(bh))\" fill=\"\(palette[i % palette.count])\"/>"
            s += "<text x=\"\(f(cx))\" y=\"\(f(Double(y + h) - bh - 4))\" text-anchor=\"middle\">\(String(format: "%.2f", row.ratioToBound))</text>"
            s += "<text x=\"\(f(cx))\" y=\"\(y + h + 14)\" text-anchor=\"middle\">\(escape(row.strategy))</text>\n"
        }
        let oneY = Double(y + h) - 1.0 / maxRatio * Double(h)
        s += "<line x1=\"\(x)\" y1=\"\(f(oneY))\" x2=\"\(x + w)\" y2=\"\(f(oneY))\" stroke=\"black\" stroke-dasharray=\"4 3\"/>\n"
        return s
    }
}
