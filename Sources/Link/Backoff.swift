/// How long to wait before reconnecting to a peer that restarts: a peer's
/// process is usually back within a hundred milliseconds (the supervisor
/// restarts it at once) and a connect on a Unix socket costs microseconds,
/// so retry soon and often rather than back off far. One policy for every
/// link that reconnects (the scheduler to its worker, the ingress to its
/// scheduler).
public struct Backoff: Sendable {
    public let firstMs: UInt64
    public let maxMs: UInt64
    private var nextMs: UInt64

    public init(firstMs: UInt64 = 5, maxMs: UInt64 = 100) {
        self.firstMs = firstMs
        self.maxMs = maxMs
        nextMs = firstMs
    }

    /// The wait before the next try; each call doubles the one after, up to `maxMs`.
    public mutating func next() -> UInt64 {
        defer { nextMs = min(nextMs * 2, maxMs) }
        return nextMs
    }

    /// Connected: the next loss starts from `firstMs` again.
    public mutating func reset() {
        nextMs = firstMs
    }
}
