import StrategySDK

/// `sjf` — shortest cost first, batched up to the limit, with an aging bound.
///
/// Each decision takes the smallest queued items, so a batch groups similar
/// lengths and its cost (set by its longest item) stays low: short bursts
/// overtake long items, which lowers mean latency when costs differ a lot.
/// An item that has waited longer than `aging_ms` goes first in the next
/// batch, so long items cannot starve. Its size sets that call's cost, so the
/// items that ride along are the largest that fit under it (the ones that
/// would cost most on their own: the other long items), then the shortest.
/// (Filling it with the shortest instead sent aged long items one per call:
/// simulated heavy-tail mean 545 → 385 ms and p99 4,198 → 2,273 ms with this
/// fill; overload 711 → 838 requests answered.)
///
/// A batch stops early where batching stops paying: when the next item would
/// make the call (as the host's cost model, learned or configured, estimates
/// it) longer than the call without it plus a call of that item alone. Under
/// the seed's law (a call costs its longest item) that never happens; for a
/// transformer that pads every row to the longest, a long document does not
/// join a batch of short queries.
///
/// Fails: the long client's latency grows towards the aging bound under a
/// steady stream of short work; it ignores deadlines and per-client fairness,
/// and takes the shortest items even when a slightly different grouping
/// would finish more work sooner (see `optimal`).
/// Decisions cost O(batch) amortised (`SizeOrder`).
///
/// A burst reaching an idle backend is held until it stops arriving when
/// company rides free (`CompanyHold`: at most 2% of the oldest item's call).
///
/// Config: `aging_ms` (default 1000, ≥ 0): the longest an item waits before
/// it jumps the cost order; `hold_fraction` (0.02) and `hold_max_ms` (10):
/// the hold's budget (`hold_fraction=0`: never hold).
public final class SJF: FerryStrategy {
    private let agingNs: Int64
    /// Its queued items, kept for it by the SDK (from arrival to departure).
    private let items = QueuedItems()
    public var queued: QueuedItems? { items }
    private let bySize = SizeOrder()
    private let byArrival = ArrivalOrder()
    private var host: HostEstimates?
    private var hold: CompanyHold

    public init(config: StrategyConfig) throws {
        agingNs = Int64(try config.double("aging_ms", default: 1000, in: 0...86_400_000) * 1_000_000)
        hold = try CompanyHold(config: config)
    }

    public func attached(_ host: HostEstimates) {
        self.host = host
    }

    public func arrived(_ item: Item, now: Int64) {
        hold.arrived(at: item.arrivalNs)
        bySize.insert(id: item.id, size: item.cost)
        byArrival.append(item)
    }

    public func removed(_ id: ItemID, reason: RemovalReason, now: Int64) {
        if let item = items[id] { bySize.removed(size: item.cost) }
    }

    /// The host's estimates asked during one decision, remembered for it
    /// (the law does not change within a decision): what the batch so far
    /// costs, and a call of one item of the size asked last (consecutive
    /// candidates mostly share a size).
    private struct Estimates {
        var batchNs: Int64 = 0
        /// What the batch would cost with the candidate `joins` accepted.
        var withCandidateNs: Int64 = 0
        var aloneSize: UInt64 = .max
        var aloneNs: Int64 = 0
    }

    /// Whether an item of `cost` pays its way into a batch of `count` items
    /// whose largest is `longest`: the call grows by less than its own call.
    /// A host older than ABI 1.1 gives no estimates: the seed's law, where it always does.
    private func joins(cost: UInt64, count: Int, longest: UInt64, _ memo: inout Estimates) -> Bool {
        guard let host else { return true }
        if memo.aloneSize != cost {
            memo.aloneSize = cost
            memo.aloneNs = host.callServiceNs(count: 1, longest: cost)
        }
        guard count > 0 else {
            memo.withCandidateNs = memo.aloneNs
            return true
        }
        let grown = host.callServiceNs(count: count + 1, longest: max(longest, cost))
        guard grown - memo.batchNs <= memo.aloneNs else { return false }
        memo.withCandidateNs = grown
        return true
    }

    public func nextBatch(now: Int64, freeSlots: Int, batch: inout BatchBuilder) -> Int64 {
        var longest: UInt64 = 0
        var memo = Estimates()
        if let until = hold.until(now: now, arrivals: byArrival, items: items, host: host) { return until }
        if let oldest = byArrival.first(arrivedBy: now &- agingNs, live: items), let item = items.take(oldest) {
            bySize.removed(size: item.cost)
            _ = joins(cost: item.cost, count: 0, longest: 0, &memo)
            memo.batchNs = memo.withCandidateNs
            batch.append(oldest)
            longest = item.cost
            // The aged item sets the call's cost: the items that ride along
            // are the largest that fit under it (they would cost the most to
            // serve on their own), not the shortest.
            while !batch.isFull, let size = bySize.largestSize(atMost: longest),
                  joins(cost: size, count: batch.count, longest: longest, &memo),
                  let (id, _) = bySize.popLargest(atMost: longest, live: items) {
                items.discard(id)
                batch.append(id)
                memo.batchNs = memo.withCandidateNs
            }
        }
        while !batch.isFull, let size = bySize.smallestSize, joins(cost: size, count: batch.count, longest: longest, &memo),
              let (id, _) = bySize.popFirst(live: items) {
            items.discard(id)
            batch.append(id)
            longest = max(longest, size)
            memo.batchNs = memo.withCandidateNs
        }
        return Item.never
    }
}

@c public func ferry_strategy_entry() -> UnsafePointer<ferry_strategy> {
    StrategyExport.table(name: "sjf", SJF.self)
}
