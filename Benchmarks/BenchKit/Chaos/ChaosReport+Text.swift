import Foundation

extension ChaosReport {
    /// The tables `bench chaos` prints: counts, non-200 bodies, recovery per fault kind.
    public var text: String {
        let o = options
        var out = "== chaos — seed \(o.seed), " + String(format: "%.1f s, %.0f req/s", durationMs / 1000, o.rate)
            + " over \(o.clients) clients, \(o.backend.rawValue) backend, unit \(o.unitMs) ms, \(o.strategy)\n"
        func row(_ name: String, _ value: Int, _ how: String) -> [String] { [name, String(value), how] }
        var rows: [[String]] = [["figure", "count", "how it is measured"]]
        rows.append(row("sent", sent, "requests sent on schedule"))
        rows.append(row("right", right, "answered once, 200, with the right label"))
        rows.append(row("lost", lost, "no answer and no transport error in \(Int(o.requestTimeoutS)) s"))
        rows.append(row("answered twice", answeredTwice, "protocol errors at the HTTP client (a second answer)"))
        rows.append(row("wrong", wrong, "200 with the wrong label or an unparsable body"))
        rows.append(row("unexpected errors", unexpectedErrors, "non-200 Ferry should not give here"))
        rows.append(row("expected errors", expectedErrors, "503 shutting down while Ferry stopped; 502 upstream while it was down"))
        for kind in RequestRecord.TransportError.allCases {
            rows.append(row("conn. \(kind.rawValue)", connectionErrors[kind.rawValue] ?? 0, Self.meaning(kind)))
        }
        if executions.measured {
            rows.append(row("backend calls", executions.calls, "lines of the worker's call log"))
            rows.append(row("ran 0 times", executions.never, "requests whose text never ran"))
            rows.append(row("ran once", executions.once, ""))
            rows.append(row("ran 2+ times", executions.moreThanOnce, "re-run: a finished call whose answer was lost with a restarting scheduler"))
            rows.append(row("200, never ran", executions.answeredWithoutRunning, "should be 0"))
        } else {
            rows.append(["backend runs", "-", "the call log has no keys: not measured"])
        }
        rows.append(row("orphans", orphans, "children alive after their supervisor was gone"))
        rows.append(row("faults", faults.count, ""))
        // Name and count as a table, then what the figure means, left-aligned.
        let table = Report.render(rows.map { Array($0.prefix(2)) }).split(separator: "\n").map(String.init)
        let meanings = [rows[0][2], "----"] + rows.dropFirst().map { $0[2] }
        for (line, meaning) in zip(table, meanings) { out += line + "  " + meaning + "\n" }
        if !errorAnswers.isEmpty {
            out += "   non-200 answers:\n"
            for e in errorAnswers {
                out += "     \(e.count) × \(e.status) \(e.body)\(e.expected ? " (expected)" : "")\n"
            }
        }
        for kind in errorSamples.keys.sorted() {
            for sample in errorSamples[kind]! { out += "   \(kind) e.g. \(sample)\n" }
        }
        for s in supervisorExits { out += "   UNEXPECTED: \(s)\n" }
        for f in faults where !f.notes.isEmpty {
            out += "   " + String(format: "%.1f s", f.atMs / 1000) + " \(f.kind.rawValue): " + f.notes.joined(separator: "; ") + "\n"
        }
        // "next 200": the first 200 to a request sent after the fault's first
        // signal; "child back": a killed child ready again under a new pid.
        var recoveryRows: [[String]] = [["recovery", "faults", "next 200 median ms", "worst ms", "unrecovered", "child back median ms", "worst ms"]]
        for r in recovery {
            recoveryRows.append([r.kind.rawValue, String(r.count), r.medianMs.map(Report.ms) ?? "-", r.worstMs.map(Report.ms) ?? "-",
                                 String(r.unrecovered), r.backMedianMs.map(Report.ms) ?? "-", r.backWorstMs.map(Report.ms) ?? "-"])
        }
        out += "\n" + Report.render(recoveryRows)
        out += passed ? "   PASS: nothing lost, twice, wrong or unexpected; no orphans\n" : "   FAIL\n"
        return out
    }

    static func meaning(_ kind: RequestRecord.TransportError) -> String {
        switch kind {
        case .refused: "Ferry down or ingress restarting: not a loss"
        case .reset: "connection closed before an answer (ingress died)"
        case .timeout: "no answer in time: counted as lost"
        case .protocolError: "counted as answered twice"
        case .other: "unclassified"
        }
    }
}
