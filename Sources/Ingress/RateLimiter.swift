import NIOConcurrencyHelpers

/// Per-client token buckets: `rate` requests a second, bursts up to one
/// second's worth. Time is passed in, so it is testable without sleeping.
final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updatedNs: Int64
    }

    let rate: Double
    private let buckets = NIOLockedValueBox<[String: Bucket]>([:])

    init(rate: Double) {
        self.rate = rate
    }

    /// Nil when `client` may send now; else the seconds until it may.
    func admit(_ client: String, nowNs: Int64) -> Double? {
        buckets.withLockedValue { all in
            var b = all[client] ?? Bucket(tokens: rate, updatedNs: nowNs)
            b.tokens = min(rate, b.tokens + Double(nowNs - b.updatedNs) / 1e9 * rate)
            b.updatedNs = nowNs
            defer { all[client] = b }
            if b.tokens >= 1 {
                b.tokens -= 1
                return nil
            }
            return (1 - b.tokens) / rate
        }
    }
}
