import Wire

/// Something that runs batches: the built-in simulator or an upstream model
/// server. Calls and completions happen on the worker's loop thread.
public protocol Backend: AnyObject {
    /// Short name for logs ("simulated", "http").
    var name: String { get }
    /// Most items one call may hold.
    var batchLimit: Int { get }
    /// Calls that may run at once.
    var concurrency: Int { get }
    /// Calls sent ahead per call at once, to wait in a model server's own
    /// queue (`Settings.pipeline`); 0 for a backend without one.
    var pipeline: Int { get }
    /// Runs one call with `payloads` (at most `batchLimit`), then calls
    /// `completion` once with one outcome per payload, in order.
    func execute(_ payloads: [[UInt8]], completion: @escaping (_ answer: CallAnswer) -> Void)
    /// Called on the loop when the backend recorded metrics of its own in
    /// the middle of a call (an upstream's tries), so they are reported
    /// before the call ends.
    var onMetricsChange: (() -> Void)? { get set }
    /// Releases what the backend holds on the loop (the worker is ending).
    func close()
}

extension Backend {
    public func close() {}
    public var pipeline: Int { 0 }
    /// Calls the worker keeps in flight: those running and those sent ahead.
    public var slots: Int { concurrency * (1 + pipeline) }
}

/// How a backend call ended.
public struct CallAnswer: Sendable {
    /// One per payload, in order.
    public var outcomes: [BatchResult.Outcome]
    /// How long after the call was made its last try was sent (the one that
    /// answered, or failed for good): 0 unless the call was tried again (an
    /// upstream's retry). The worker times the call from there, so the
    /// scheduler learns what the answering try took, not the failed tries
    /// and the backoff before it.
    public var lastTryAfterNs: Int64

    public init(_ outcomes: [BatchResult.Outcome], lastTryAfterNs: Int64 = 0) {
        self.outcomes = outcomes
        self.lastTryAfterNs = lastTryAfterNs
    }
}
