/// Whether a free backend slot should wait a moment for company before its
/// call — the one exception to "a lone request is dispatched at once", for
/// calls where company rides nearly free and is about to arrive.
///
/// A client that sends a burst (the seed's B: twelve long texts "at once")
/// reaches Ferry over a millisecond or two; dispatched at once, the first
/// item goes alone to the idle backend and the rest wait its whole call
/// (289–576 ms under the seed's law) — a call the batch limit had room to
/// share. Held until the burst stops arriving, the whole burst is sorted and
/// grouped together.
///
/// The hold is bounded by the call it would delay: it applies only when
///  - a second item would add at most half of its own call to the call (the
///    host's cost model says batching pays: the seed's law, a fixed cost per
///    call; not a transformer that pads every row, where company is not free),
///  - everything queued arrived within the budget, `fraction` of the oldest
///    item's estimated call, at most `maxNs` (the oldest has not waited longer),
///  - and an item arrived within the last quarter of that budget (arrivals
///    are still flowing); it ends a quarter-budget after the last arrival.
/// So a lone item with nothing behind it waits a quarter of the budget
/// (0.5% of its call by default), and a zero-cost backend never waits.
///
/// Before the host has measured a single call (ABI 1.2's `lawIsPrior`: a
/// backend never measured, its law still the prior) the hold is the
/// ceiling, `maxNs` from the first arrival: the prior's shape says whether
/// company rides free, but its size is a guess, and so is the traffic's
/// rhythm — new clients' first requests trail their connections' set-up by
/// milliseconds. A neutral 5 ms prior in front of 300–600 ms calls gave a
/// 100 µs budget and a 25 µs gap; the seed's B and A, the first traffic of
/// a `bench versus` run, reached Ferry 3–5 ms apart, and B's first item went
/// to a 580 ms call alone. It costs the first burst of a lane's life `maxNs`.
/// A host older than ABI 1.1 gives no estimates: no hold.
public struct CompanyHold {
    /// The budget as a fraction of the oldest item's estimated call (0: never hold).
    public let fraction: Double
    /// The budget's ceiling, in nanoseconds.
    public let maxNs: Int64
    /// The newest arrival heard of.
    public private(set) var lastArrivalNs: Int64 = .min

    public init(fraction: Double, maxNs: Int64) {
        self.fraction = fraction
        self.maxNs = maxNs
    }

    /// Reads `hold_fraction` (default 0.02, 0…1) and `hold_max_ms`
    /// (default 10, 0…1000) from the strategy's configuration.
    public init(config: StrategyConfig) throws {
        self.init(fraction: try config.double("hold_fraction", default: 0.02, in: 0...1),
                  maxNs: Int64(try config.double("hold_max_ms", default: 10, in: 0...1000) * 1_000_000))
    }

    /// An item arrived (call from the strategy's `arrived`).
    public mutating func arrived(at arrivalNs: Int64) {
        if arrivalNs > lastArrivalNs { lastArrivalNs = arrivalNs }
    }

    /// When to decide again instead of dispatching now, or nil: dispatch now.
    /// `oldestArrivalNs`: the oldest queued item's arrival; `oldestSize` is
    /// asked only when a hold is possible at all (a deep queue's oldest item
    /// is long past the budget: one comparison).
    @inlinable
    public func until(now: Int64, oldestArrivalNs: Int64, host: HostEstimates?, oldestSize: () -> UInt64?) -> Int64? {
        guard fraction > 0, now &- oldestArrivalNs < maxNs, now &- lastArrivalNs < maxNs,
              let host, let size = oldestSize() else { return nil }
        let alone = host.callServiceNs(count: 1, longest: size)
        guard alone > 0, host.callServiceNs(count: 2, longest: size) - alone <= alone / 2 else { return nil }
        let cold = host.lawIsPrior
        let budget = cold ? maxNs : min(maxNs, Int64(Double(alone) * fraction))
        let gap = cold ? budget : budget / 4
        let end = min(oldestArrivalNs &+ budget, lastArrivalNs &+ gap)
        return end > now ? end : nil
    }

    /// `until` for a strategy that keeps its items in `QueuedItems` and an
    /// `ArrivalOrder`: the oldest queued item read from them.
    @inlinable
    public func until(now: Int64, arrivals: ArrivalOrder, items: QueuedItems, host: HostEstimates?) -> Int64? {
        guard let (oldest, arrivalNs) = arrivals.firstEntry(live: items) else { return nil }
        return until(now: now, oldestArrivalNs: arrivalNs, host: host, oldestSize: { items[oldest]?.cost })
    }
}
