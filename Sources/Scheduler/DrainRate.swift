import DequeModule

/// Requests answered per second over the last few seconds: what `Retry-After`
/// is computed from when the queue is full.
struct DrainRate {
    private var events = Deque<(timeNs: Int64, count: Int)>()
    private var total = 0
    private let windowNs: Int64 = 5_000_000_000

    mutating func record(_ count: Int, now: Int64) {
        events.append((now, count))
        total += count
        trim(now: now)
    }

    mutating func perSecond(now: Int64) -> Double {
        trim(now: now)
        guard let first = events.first else { return 0 }
        let span = max(Double(now - first.timeNs), 1e9) / 1e9
        return Double(total) / span
    }

    private mutating func trim(now: Int64) {
        while let first = events.first, now - first.timeNs > windowNs {
            total -= first.count
            events.removeFirst()
        }
    }
}
