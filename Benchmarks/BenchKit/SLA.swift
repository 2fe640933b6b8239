/// A service-level gate: `p99<=2s,mean<=500ms,jain>=0.9`. Latency metrics
/// take `us`, `ms` (default) or `s`; others are plain numbers.
public struct SLA: Sendable, Equatable {
    public struct Condition: Sendable, Equatable, CustomStringConvertible {
        public var metric: String
        public var op: String
        public var value: Double
        public var text: String
        public var description: String { text }

        func holds(_ actual: Double) -> Bool {
            switch op {
            case "<=": actual <= value
            case "<": actual < value
            case ">=": actual >= value
            default: actual > value
            }
        }
    }

    public static let latencyMetrics = ["mean", "p50", "p95", "p99", "max"]
    public static let otherMetrics = ["jain", "slowdown", "rejected", "expired", "ratio", "throughput"]

    public var conditions: [Condition]

    /// Parses the gate; errors say which part is wrong and what is expected.
    public init(_ text: String) throws {
        conditions = []
        for raw in text.split(separator: ",") {
            let part = raw.trimmingCharacters(in: " ")
            guard let opRange = ["<=", ">=", "<", ">"].lazy.compactMap({ part.range(of: $0) }).first else {
                throw BenchError.usage("--sla: '\(part)' has no comparison (<=, <, >=, >)")
            }
            let metric = String(part[..<opRange.lowerBound]).trimmingCharacters(in: " ")
            let op = String(part[opRange])
            var number = String(part[opRange.upperBound...]).trimmingCharacters(in: " ")
            guard Self.latencyMetrics.contains(metric) || Self.otherMetrics.contains(metric) else {
                throw BenchError.usage("--sla: unknown metric '\(metric)' (\((Self.latencyMetrics + Self.otherMetrics).joined(separator: ", ")))")
            }
            var scale = 1.0
            if Self.latencyMetrics.contains(metric) {
                for (suffix, s) in [("us", 0.001), ("ms", 1.0), ("s", 1000.0)] where number.hasSuffix(suffix) {
                    number.removeLast(suffix.count)
                    scale = s
                    break
                }
            }
            guard let v = Double(number), v.isFinite else {
                throw BenchError.usage("--sla: '\(part)': '\(number)' is not a number")
            }
            conditions.append(Condition(metric: metric, op: op, value: v * scale, text: part))
        }
        if conditions.isEmpty { throw BenchError.usage("--sla: no conditions given") }
    }

    /// The conditions `figures` fails, as readable lines.
    public func failures(_ f: Figures) -> [String] {
        conditions.compactMap { c in
            let actual: Double
            switch c.metric {
            case "mean": actual = f.all.meanMs
            case "p50": actual = f.all.p50Ms
            case "p95": actual = f.all.p95Ms
            case "p99": actual = f.all.p99Ms
            case "max": actual = f.all.maxMs
            case "jain": actual = f.jain
            case "slowdown": actual = f.all.meanSlowdown
            case "rejected": actual = Double(f.rejected)
            case "expired": actual = Double(f.expired)
            case "ratio": actual = f.ratioToBound
            default: actual = f.throughputPerS
            }
            return c.holds(actual) ? nil : "\(c.text) not met: \(c.metric) = \(Report.number(actual))"
        }
    }
}

extension StringProtocol {
    func trimmingCharacters(in set: Character) -> String {
        String(drop(while: { $0 == set }).reversed().drop(while: { $0 == set }).reversed())
    }
}
