import Foundation

/// What `swift run bench chaos` was asked to do.
public struct ChaosOptions: Sendable, Codable {
    /// Which backend Ferry's worker uses.
    public enum Backend: String, Sendable, Codable, CaseIterable {
        /// The worker's built-in simulated model.
        case simulated
        /// The reference model server (`Benchmarks/upstream/model_server.py`),
        /// started by the soak and itself a fault target.
        case http
    }

    /// Seconds of faults (and traffic).
    public var durationS: Double = 60
    /// The same seed replays the same fault schedule and the same traffic.
    public var seed: UInt64 = 1
    /// Requests per second offered, over all clients together.
    public var rate: Double = 40
    public var clients = 3
    public var backend = Backend.simulated
    /// Passed to the simulated backend or the model server: short calls, many of them.
    public var unitMs = 0.3
    public var faults = FaultKind.allCases
    /// Keep injecting faults past the duration until every kind in `faults`
    /// was injected once (the schedule's first round covers each kind once):
    /// a short soak then still exercises every kind, whatever the timing.
    public var coverAllKinds = false
    public var strategy = "plugins/sjf.so"
    public var out = "Benchmarks/results/chaos"
    public var quiet = false
    /// The `supervisor` executable; nil: beside the running executable.
    public var supervisorPath: String?
    /// The model server script; nil: `Benchmarks/upstream/model_server.py`
    /// under the current directory, else beside this source.
    public var modelServerPath: String?
    /// Per-request timeout: a request without an answer by then is lost.
    public var requestTimeoutS: Double = 60

    public init() {}

    /// Refuses options that cannot make a run.
    public func validate() throws {
        guard durationS > 0 else { throw BenchError.usage("--duration must be positive") }
        guard rate > 0 else { throw BenchError.usage("--rate must be positive") }
        guard clients >= 1 else { throw BenchError.usage("--clients must be at least 1") }
        guard unitMs >= 0 else { throw BenchError.usage("--unit-ms must not be negative") }
        guard !faults.isEmpty else { throw BenchError.usage("--faults names no fault kind") }
    }
}
