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

    private static let code = Array("code".utf8), notCode = Array("not code".utf8)

    /// The law its calls follow; the scheduler estimates with the same one.
    public var costModel: CostModel { .seed(unitMs: unitMs, callMs: callMs) }

    /// How long a call with these texts (UTF-8, as the ingress encoded them) takes, in milliseconds.
    public func duration(of payloads: [[UInt8]]) -> Double {
        Double(costModel.callNs(sizes: payloads.map { UInt64(TextClassifier.length(utf8: $0)) })) / 1e6
    }

    public func execute(_ payloads: [[UInt8]], completion: @escaping (CallAnswer) -> Void) {
        if let crashOn, payloads.contains(where: { String(decoding: $0, as: UTF8.self).contains(crashOn) }) {
            fatalError("simulated backend: crash_on input received (backend.crash_on)")
        }
        // On the bytes, not Strings: `perf` showed the decoding as a tenth of
        // the worker's time on a zero-cost backend.
        let outcomes = payloads.map { payload in
            BatchResult.Outcome(status: .ok, body: payload.withUnsafeBufferPointer(TextClassifier.isCode(utf8:)) ? Self.code : Self.notCode)
        }
        // Timers have millisecond resolution; a sub-millisecond call rounds to the next tick.
        let ms = duration(of: payloads)
        let timer = reactor.makeTimer()
        timer.start(afterMilliseconds: UInt64(ms.rounded(.up))) {
            timer.close()
            completion(CallAnswer(outcomes))
        }
    }
}
