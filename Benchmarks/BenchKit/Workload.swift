import Foundation
import Simulation
import TOMLKit

/// A named scenario read from `Benchmarks/workloads/NAME.toml`: the backend
/// model and the clients whose requests a seeded generator produces.
public struct Workload: Codable, Sendable {
    /// The backend the scenario runs on.
    public struct Backend: Codable, Sendable {
        public var batchLimit: Int
        public var concurrency: Int
        /// Milliseconds per squared character of a call's longest text.
        public var unitMs: Double
        /// Fixed milliseconds per call.
        public var callMs: Double?
        /// Queue bound (rejections beyond it).
        public var maxQueued: Int?
        /// A transformer's terms (ms): per item, per item × longest, per item × longest².
        public var perItemMs: Double?
        public var paddedMs: Double?
        public var paddedSquaredMs: Double?

        enum CodingKeys: String, CodingKey {
            case batchLimit = "batch_limit", concurrency, unitMs = "unit_ms", callMs = "call_ms", maxQueued = "max_queued"
            case perItemMs = "per_item_ms", paddedMs = "padded_ms", paddedSquaredMs = "padded_squared_ms"
        }

        public var model: BackendModel {
            BackendModel(batchLimit: batchLimit, concurrency: concurrency, unitNs: unitMs * 1e6, callNs: (callMs ?? 0) * 1e6,
                         perItemNs: (perItemMs ?? 0) * 1e6, paddedNs: (paddedMs ?? 0) * 1e6, paddedSquaredNs: (paddedSquaredMs ?? 0) * 1e6)
        }
    }

    /// What the request texts are and which real model answers them in a
    /// run against real servers (`bench versus`).
    public enum Texts: String, Codable, Sendable {
        /// `x`s, every other one opening with `{`: the seed's classifier's texts
        /// (length in characters), labelled by the seed's rule.
        case marked
        /// English words from the model's vocabulary (length in tokens,
        /// `[CLS]` and `[SEP]` included), answered with embeddings: the MiniLM model.
        case words
    }

    public var name: String
    public var description: String
    /// Run only live (`overhead`): the simulator has nothing to say about it.
    public var liveOnly: Bool?
    public var backend: Backend
    /// Options for strategies on this workload, by strategy name.
    public var strategyConfig: [String: String]?
    public var clients: [ClientSpec]
    /// The texts (default `marked`); `words` is the MiniLM model's workload.
    public var texts: Texts?

    enum CodingKeys: String, CodingKey {
        case name, description, liveOnly = "live_only", backend, strategyConfig = "strategy_config", clients, texts
    }

    /// Reads and checks a workload file; errors name the file and the problem.
    public static func load(path: String) throws -> Workload {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw BenchError.workload(path: path, problem: "cannot read: \(error.localizedDescription)")
        }
        let workload: Workload
        do { workload = try TOMLDecoder().decode(Workload.self, from: text) } catch let e as TOMLParseError {
            throw BenchError.workload(path: path, problem: "line \(e.source.begin.line): \(e.description)")
        } catch {
            throw BenchError.workload(path: path, problem: "\(error)")
        }
        if let problem = workload.problem { throw BenchError.workload(path: path, problem: problem) }
        return workload
    }

    /// What is wrong with the numbers, if anything.
    var problem: String? {
        if backend.batchLimit < 1 { return "backend.batch_limit must be at least 1" }
        if backend.concurrency < 1 { return "backend.concurrency must be at least 1" }
        let times = [backend.unitMs, backend.callMs, backend.perItemMs, backend.paddedMs, backend.paddedSquaredMs]
        if times.contains(where: { ($0 ?? 0) < 0 }) { return "backend times must not be negative" }
        if clients.isEmpty { return "no [[clients]]" }
        for c in clients { if let p = c.problem { return "client \(c.name): \(p)" } }
        return nil
    }

    /// Every client sending `factor` times as many requests at the same pace:
    /// a tail percentile on enough samples (a p99 of 50 requests is their
    /// slowest but one).
    public func lengthened(by factor: Int) -> Workload {
        var longer = self
        longer.clients = clients.map { $0.lengthened(by: factor) }
        return longer
    }

    /// The requests, deterministic for a given seed.
    public func arrivals(seed: UInt64) -> [Arrival] {
        var rng = SplitMix64(seed: seed)
        var out: [Arrival] = []
        var nextGroup = 0
        for client in clients {
            client.generate(into: &out, rng: &rng, nextGroup: &nextGroup)
        }
        return out
    }
}

/// Why the bench could not run.
public enum BenchError: Error, CustomStringConvertible {
    case workload(path: String, problem: String)
    case usage(String)
    case live(String)

    public var description: String {
        switch self {
        case let .workload(path, problem): "workload \(path): \(problem)"
        case let .usage(text): text
        case let .live(text): "live run: \(text)"
        }
    }
}

/// A small seeded generator: the same workload and seed give the same trace
/// on every machine.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
