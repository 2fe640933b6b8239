import Foundation

/// Each Ferry system against a reference system repetition by repetition:
/// the mean and each client's p99 as a ratio to the reference's in the same
/// repetition (interleaved, so both ran under the same conditions), and in
/// how many repetitions Ferry was at or under it on all of them. A table of
/// medians can hide that one system won every repetition, or that it won
/// the medians without winning any single one. Two references: Triton's
/// dynamic batcher (what Ferry must beat) and Triton alone, each item sent
/// to it as it comes (whether going through Ferry cost anything, its hops
/// and its batching together).
struct VersusRepByRep {
    /// What Ferry's systems are compared with.
    enum Reference {
        /// The dynamic batcher with the lowest median mean.
        case bestBatcher
        /// Triton with batching off, sent each item alone.
        case alone
    }

    /// One run's figures that the comparison reads.
    struct Sample {
        var rep: Int
        var system: String
        var meanMs: Double
        var p99MsByClient: [String: Double]
    }

    /// One repetition of a Ferry system, as ratios to the batcher's run in it.
    struct Ratio {
        var rep: Int
        var mean: Double
        var p99: [String: Double]
    }

    /// A Ferry system's ratios, by repetition.
    struct Row {
        var system: String
        var ratios: [Ratio]
    }

    /// The system compared with.
    let reference: String
    let clients: [String]
    /// Ferry's systems, in table order.
    let rows: [Row]

    /// Nil when the reference did not run, or no repetition has both it and
    /// a Ferry system.
    init?(systems: [String], samples: [Sample], against kind: Reference = .bestBatcher) {
        func medianMean(_ system: String) -> Double {
            samples.filter { $0.system == system }.map(\.meanMs).median ?? .infinity
        }
        let candidates = switch kind {
        case .bestBatcher: systems.filter { $0.hasPrefix("Triton dynamic batcher") }
        case .alone: systems.filter { $0 == VersusSystem.tritonAlone.label }
        }
        guard let reference = candidates.min(by: { medianMean($0) < medianMean($1) }) else { return nil }
        let byRep = Dictionary(samples.filter { $0.system == reference }.map { ($0.rep, $0) }, uniquingKeysWith: { a, _ in a })
        clients = Set(samples.flatMap { $0.p99MsByClient.keys }).sorted()
        rows = systems.filter { $0.hasPrefix("Ferry") }.compactMap { system in
            let ratios = samples.filter { $0.system == system }.sorted { $0.rep < $1.rep }.compactMap { mine -> Ratio? in
                guard let theirs = byRep[mine.rep], theirs.meanMs > 0 else { return nil }
                var p99: [String: Double] = [:]
                for (client, ms) in mine.p99MsByClient {
                    if let their = theirs.p99MsByClient[client], their > 0 { p99[client] = ms / their }
                }
                return Ratio(rep: mine.rep, mean: mine.meanMs / theirs.meanMs, p99: p99)
            }
            return ratios.isEmpty ? nil : Row(system: system, ratios: ratios)
        }
        guard !rows.isEmpty else { return nil }
        self.reference = reference
    }

    /// Repetitions in which `system` was at or under the reference on the mean and every client's p99.
    func wins(_ row: Row) -> Int {
        row.ratios.filter { r in r.mean <= 1 && clients.allSatisfy { (r.p99[$0] ?? .infinity) <= 1 } }.count
    }

    var text: String {
        func list(_ values: [Double]) -> String { values.map { String(format: "%.2f", $0) }.joined(separator: ", ") }
        var out = "Rep by rep against \(reference), in the same repetition (ratio to it; under 1 is better):\n\n"
        out += "| system | mean | " + clients.map { "\($0) p99 | " }.joined() + "at or under it on all |\n"
        out += "|---|---|" + clients.map { _ in "---|" }.joined() + "---|\n"
        for row in rows {
            out += "| \(row.system) | \(list(row.ratios.map(\.mean))) | "
            out += clients.map { c in list(row.ratios.map { $0.p99[c] ?? .nan }) + " | " }.joined()
            out += "\(wins(row)) of \(row.ratios.count) |\n"
        }
        return out
    }
}

extension VersusRepByRep.Sample {
    init(_ run: VersusRunner.Run) {
        self.init(rep: run.rep, system: run.system, meanMs: run.figures.all.meanMs,
                  p99MsByClient: run.figures.clients.mapValues(\.p99Ms))
    }
}
