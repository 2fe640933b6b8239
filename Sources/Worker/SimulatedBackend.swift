import CostModel
import Link
import SeedModel
import Wire

/// The seed's model server, simulated: each call lasts what the cost model
/// says (the seed's `callMs + unit × (longest text length)²`), at most
/// `concurrency` calls at once, at most `batchLimit` texts a call, labels
/// from `TextClassifier`.
public final class SimulatedBackend: Backend {
    public let name = "simulated"
    public let batchLimit: Int
    public let concurrency: Int
    /// Milliseconds per squared character.
    public let unitMs: Double
    /// Fixed milliseconds per call (an LLM API's round trip).
    public let callMs: Double
    private let reactor: Reactor
    /// A text containing this crashes the process, as a real backend may on
    /// some input (`backend.crash_on`: to rehearse the failure handling).
    public var crashOn: String?
    /// It records no metrics of its own.
    public var onMetricsChange: (() -> Void)?

    public init(reactor: Reactor, unitMs: Double = 1, callMs: Double = 0, batchLimit: Int = 5, concurrency: Int = 1) {
        self.reactor = reactor
        self.unitMs = unitMs
        self.callMs = callMs
        self.batchLimit = batchLimit
        self.concurrency = concurrency
    }

    /// The law its calls follow; the scheduler estimates with the same one.
    public var costModel: CostModel { .seed(unitMs: unitMs, callMs: callMs) }

    /// How long a call with these texts takes, in milliseconds.
    public func duration(of texts: [String]) -> Double {
        Double(costModel.callNs(sizes: texts.map { UInt64(TextClassifier.length(of: $0)) })) / 1e6
    }

    public func execute(_ payloads: [[UInt8]], completion: @escaping (CallAnswer) -> Void) {
        let texts = payloads.map { String(decoding: $0, as: UTF8.self) }
        if let crashOn, texts.contains(where: { $0.contains(crashOn) }) {
            fatalError("simulated backend: crash_on input received (backend.crash_on)")
        }
        let outcomes = texts.map { BatchResult.Outcome(status: .ok, body: Array(TextClassifier.label(for: $0).utf8)) }
        // Timers have millisecond resolution; a sub-millisecond call rounds to the next tick.
        let ms = duration(of: texts)
        let timer = reactor.makeTimer()
        timer.start(afterMilliseconds: UInt64(ms.rounded(.up))) {
            timer.close()
            completion(CallAnswer(outcomes))
        }
    }
}
