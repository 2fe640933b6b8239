import Foundation

extension Charts {
    /// The chaos soak's timeline: answers per 100 ms (200s in one colour,
    /// errors — non-200 answers and transport errors — in another), with each
    /// fault drawn as a labelled vertical mark, so a dip can be read against
    /// the fault that caused it.
    private static let initial = ["worker": "w", "scheduler": "s", "ingress": "i", "model-server": "m", "supervisor": "S"]

    static func timeline(records: [RequestRecord], faults: [FaultRecord], durationMs: Double, title: String) -> String {
        let bucketMs = 100.0
        let count = max(1, Int((durationMs / bucketMs).rounded(.up)) + 1)
        var ok = [Int](repeating: 0, count: count), failed = [Int](repeating: 0, count: count)
        for r in records {
            guard let at = r.answeredNs else { continue }
            let i = min(count - 1, max(0, Int(Double(at) / 1e6 / bucketMs)))
            if r.status == 200 { ok[i] += 1 } else { failed[i] += 1 }
        }
        let width = 1320, height = 420
        let x = 70, y = 60, w = width - 330, h = height - 140
        let top = max(1, (zip(ok, failed).map { max($0, $1) }.max() ?? 1))
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" font-family=\"sans-serif\" font-size=\"12\">\n"
        svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        svg += "<text x=\"20\" y=\"24\" font-size=\"16\" font-weight=\"bold\">\(escape(title))</text>\n"
        svg += axes(x: x, y: y, w: w, h: h, title: "Answers per 100 ms, faults marked",
                    xLabel: "time since start (s, up to \(String(format: "%.1f", durationMs / 1000)))", yLabel: "answers (max \(top))")
        func px(_ ms: Double) -> Double { Double(x) + ms / (Double(count) * bucketMs) * Double(w) }
        func py(_ v: Int) -> Double { Double(y + h) - Double(v) / Double(top) * Double(h) }
        for (series, colour) in [(ok, palette[2]), (failed, palette[3])] {
            let points = series.enumerated().map { String(format: "%.1f,%.1f", px((Double($0.offset) + 0.5) * bucketMs), py($0.element)) }
            svg += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.2\" points=\"\(points.joined(separator: " "))\"/>\n"
        }
        for (i, fault) in faults.enumerated() {
            let fx = f(px(fault.atMs))
            let names = fault.targets.map(\.name).joined(separator: "+")
            svg += "<line x1=\"\(fx)\" y1=\"\(y)\" x2=\"\(fx)\" y2=\"\(y + h)\" stroke=\"\(palette[7])\" stroke-dasharray=\"3 3\">"
            svg += "<title>\(escape(fault.kind.rawValue)) \(escape(names)) at \(String(format: "%.1f", fault.atMs / 1000)) s</title></line>\n"
            if let until = fault.downUntilMs {
                svg += "<rect x=\"\(fx)\" y=\"\(y)\" width=\"\(f(max(1, px(until) - px(fault.atMs))))\" height=\"\(h)\" fill=\"\(palette[7])\" opacity=\"0.12\"/>\n"
            }
            // A short label (kind and targets' initials) on one of five rows, so
            // neighbours do not overlap; the mark's tooltip has the whole story.
            let ly = y + 12 + (i % 5) * 13
            let initials = fault.targets.map { Self.initial[$0.name] ?? "?" }.joined()
            svg += "<text x=\"\(f(px(fault.atMs) + 2))\" y=\"\(ly)\" font-size=\"9\">\(escape(fault.kind.rawValue)) \(escape(initials))</text>\n"
        }
        svg += legendEntries([("200 answers", palette[2]), ("errors", palette[3]), ("fault", palette[7])], x: x + w + 20, y: y)
        svg += "<text x=\"\(x + w + 20)\" y=\"\(y + 70)\" font-size=\"10\">errors: non-200 or</text>\n"
        svg += "<text x=\"\(x + w + 20)\" y=\"\(y + 82)\" font-size=\"10\">connection errors</text>\n"
        svg += "<text x=\"\(x + w + 20)\" y=\"\(y + 100)\" font-size=\"10\">labels: kind, targets in order:</text>\n"
        svg += "<text x=\"\(x + w + 20)\" y=\"\(y + 112)\" font-size=\"10\">w worker, s scheduler, i ingress,</text>\n"
        svg += "<text x=\"\(x + w + 20)\" y=\"\(y + 124)\" font-size=\"10\">m model server, S supervisor</text>\n"
        svg += "</svg>\n"
        return svg
    }
}
