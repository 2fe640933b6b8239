import StrategySDK

/// `optimal` — at each decision, sort the queue by cost and choose the
/// partition into consecutive groups (each at most the batch limit; a group
/// costs what the host's cost model says a call of those items costs — the
/// longest item's time for the seed, every row padded to the longest for a
/// transformer) that minimises the summed completion time of everything
/// queued, if the groups ran in that order: a dynamic programme over the
/// sorted queue,
///
///     f(i) = min over j in i+1 … i+B of  call(i..<j) × (n − i) + f(j),
///
/// where n counts every queued item (those outside the window wait for all
/// groups inside it). It dispatches the group the programme puts first and
/// decides again when the next slot frees, so new arrivals are always
/// considered (late binding). Unlike `sjf`, it will send fewer than B items
/// when the next item would make the call much longer for everyone.
///
/// The programme assumes groups run cheapest first; among the groups it
/// finds, the one dispatched is the one Smith's rule would run first (least
/// call time per item), which is optimal for that partition. With at most
/// `exact` items queued it instead searches every partition into consecutive
/// groups under Smith's order — exact, since an optimal batch schedule has
/// that form (checked against brute force in the tests).
///
/// Window: the programme runs over the `window` cheapest items only, so a
/// decision costs O(window × B) whatever the depth; what that costs in
/// optimality is that items beyond the window are assumed to run after it
/// (true for sorted costs unless a long item ages past the bound). The window
/// is read from per-size counts (`SizeOrder`), never item by item, and the
/// host is asked a call's cost once per distinct size and length. (A window
/// of 32 chose as 128 did on seed-mix, heavy-tail and overload, at a quarter
/// of the decision's cost.)
/// Aging: an item that waited `aging_ms` goes first, with the largest others
/// that fit under its size (then the cheapest).
///
/// Optimises: mean latency (it approaches the lower bound on bursts).
/// Fails: long items wait up to the aging bound while short work keeps
/// arriving; it ignores deadlines and client fairness.
///
/// A burst reaching an idle backend is held until it stops arriving when
/// company rides free (`CompanyHold`, as in `sjf`).
///
/// Config: `aging_ms` (default 2000, ≥ 0), `window` (default 32, 1…100000),
/// `exact` (default 8, 0…16: queue size up to which the search is exhaustive),
/// `hold_fraction` (0.02), `hold_max_ms` (10).
public final class Optimal: FerryStrategy {
    private let agingNs: Int64
    private let window: Int
    private let exactLimit: Int
    /// Its queued items, kept for it by the SDK (from arrival to departure).
    private let items = QueuedItems()
    public var queued: QueuedItems? { items }
    private let byArrival = ArrivalOrder()
    private let bySize = SizeOrder()
    // Scratch, reused across decisions: the window's sizes (ascending), and
    // per window position the call cost of 1…B items ending there. Only
    // touched from the one thread all strategy calls come from: no dynamic
    // exclusivity check per element (they were most of a decision).
    @exclusivity(unchecked) private var windowSize: [UInt64] = []
    @exclusivity(unchecked) private var callCosts: [Double] = []
    @exclusivity(unchecked) private var rowOf: [Int] = []
    @exclusivity(unchecked) private var picks: [(group: Int, count: Int)] = []
    @exclusivity(unchecked) private var best: [Double] = []
    @exclusivity(unchecked) private var choice: [Int] = []
    @exclusivity(unchecked) private var limit = 1
    private var host: HostEstimates?
    private var hold: CompanyHold

    public init(config: StrategyConfig) throws {
        agingNs = Int64(try config.double("aging_ms", default: 2000, in: 0...86_400_000) * 1_000_000)
        hold = try CompanyHold(config: config)
        window = try config.int("window", default: 32, in: 1...100_000)
        exactLimit = try config.int("exact", default: 8, in: 0...16)
    }

    public func attached(_ host: HostEstimates) {
        self.host = host
    }

    /// What a call of the window's items `start..<end` costs (the window is
    /// sorted by size, so the last is the largest): from the table
    /// `fillCallCosts` made for this decision.
    private func callCost(_ start: Int, _ end: Int) -> Double {
        callCosts[rowOf[end - 1] * limit + (end - start - 1)]
    }

    /// Asks the host (or, from a host older than ABI 1.1, the seed's law: the
    /// largest size squared) once per distinct size in the window and call
    /// length, not once per candidate group: one row of 1…B costs per
    /// distinct size, and `rowOf` maps each window position to its row.
    private func fillCallCosts() {
        callCosts.removeAll(keepingCapacity: true)
        rowOf.removeAll(keepingCapacity: true)
        var row = -1
        for k in windowSize.indices {
            if k == 0 || windowSize[k] != windowSize[k - 1] {
                row += 1
                let longest = windowSize[k]
                for c in 1...limit {
                    if let host {
                        callCosts.append(Double(host.callServiceNs(count: c, longest: longest)))
                    } else {
                        callCosts.append(Double(longest) * Double(longest))
                    }
                }
            }
            rowOf.append(row)
        }
    }

    public func arrived(_ item: Item, now: Int64) {
        hold.arrived(at: item.arrivalNs)
        byArrival.append(item)
        bySize.insert(id: item.id, size: item.cost)
    }

    public func removed(_ id: ItemID, reason: RemovalReason, now: Int64) {
        if let item = items[id] { bySize.removed(size: item.cost) }
    }

    public func nextBatch(now: Int64, freeSlots: Int, batch: inout BatchBuilder) -> Int64 {
        limit = max(1, batch.capacity)
        if let until = hold.until(now: now, arrivals: byArrival, items: items, host: host) { return until }
        if let oldest = byArrival.first(arrivedBy: now &- agingNs, live: items), let item = items.take(oldest) {
            bySize.removed(size: item.cost)
            batch.append(oldest)
            // It sets the call's cost: the largest items that fit under it ride
            // along (they would cost the most on their own), then the cheapest.
            while !batch.isFull, let (id, _) = bySize.popLargest(atMost: item.cost, live: items) ?? bySize.popFirst(live: items) {
                items.discard(id)
                batch.append(id)
            }
            return Item.never
        }
        collectWindow(upTo: window)
        let w = windowSize.count
        guard w > 0 else { return Item.never }
        fillCallCosts()
        let group = w <= exactLimit && w == bySize.count
            ? exactFirstGroup(limit: limit)
            : programmedFirstGroup(limit: limit, queued: bySize.count)
        take(windowPositions: group, into: &batch)
        return Item.never
    }

    /// The dynamic programme over the window (groups run cheapest first),
    /// then the group Smith's rule runs first: the least call time per item.
    private func programmedFirstGroup(limit: Int, queued: Int) -> Range<Int> {
        let w = windowSize.count
        let n = Double(queued)
        best.removeAll(keepingCapacity: true)
        choice.removeAll(keepingCapacity: true)
        best.append(contentsOf: repeatElement(0, count: w + 1))
        choice.append(contentsOf: repeatElement(0, count: w + 1))
        // The hot loop (window × B steps) on raw buffers: no property access,
        // no bounds check per step.
        callCosts.withUnsafeBufferPointer { costs in
            rowOf.withUnsafeBufferPointer { rowOf in
                best.withUnsafeMutableBufferPointer { best in
                    choice.withUnsafeMutableBufferPointer { choice in
                        for i in stride(from: w - 1, through: 0, by: -1) {
                            var bestValue = Double.infinity
                            var bestEnd = i + 1
                            let waiting = n - Double(i)
                            for j in (i + 1)...min(i + limit, w) {
                                let value = costs[rowOf[j - 1] * limit + (j - i - 1)] * waiting + best[j]
                                if value < bestValue { bestValue = value; bestEnd = j }
                            }
                            best[i] = bestValue
                            choice[i] = bestEnd
                        }
                    }
                }
            }
        }
        var first = 0..<choice[0]
        var firstRatio = callCost(0, choice[0]) / Double(choice[0])
        var start = choice[0]
        while start < w {
            let end = choice[start]
            let ratio = callCost(start, end) / Double(end - start)
            if ratio < firstRatio { first = start..<end; firstRatio = ratio }
            start = end
        }
        return first
    }

    /// Every partition of the sorted queue into consecutive groups, each run
    /// in Smith's order: exact for a small queue (an optimal batch schedule
    /// has this form), 2^(n−1) partitions.
    private func exactFirstGroup(limit: Int) -> Range<Int> {
        let w = windowSize.count
        var bestValue = Double.infinity
        var bestGroup = 0..<1
        var groups: [(range: Range<Int>, cost: Double)] = []
        for cuts in 0..<(1 << (w - 1)) {
            groups.removeAll(keepingCapacity: true)
            var start = 0
            var fits = true
            for i in 0..<w where i == w - 1 || cuts & (1 << i) != 0 {
                if i + 1 - start > limit { fits = false; break }
                groups.append((start..<(i + 1), callCost(start, i + 1)))
                start = i + 1
            }
            guard fits else { continue }
            groups.sort { $0.cost * Double($1.range.count) < $1.cost * Double($0.range.count) }
            var clock = 0.0, value = 0.0
            for g in groups {
                clock += g.cost
                value += clock * Double(g.range.count)
            }
            if value < bestValue { bestValue = value; bestGroup = groups[0].range }
        }
        return bestGroup
    }

    /// Takes the items at window positions `range`: the window is sizes in
    /// ascending order, and items of one size are interchangeable to the
    /// programme, so each size's oldest go. Largest sizes first: a size whose
    /// last item leaves drops out of `bySize`, moving the ones after it.
    private func take(windowPositions range: Range<Int>, into batch: inout BatchBuilder) {
        var group = 0, start = 0
        picks.removeAll(keepingCapacity: true)
        while start < range.upperBound && group < bySize.sizeCount {
            let (_, count) = bySize.group(group)
            let end = start + min(count, windowSize.count - start)
            let overlap = max(0, min(end, range.upperBound) - max(start, range.lowerBound))
            if overlap > 0 { picks.append((group, overlap)) }
            start = end
            group += 1
        }
        for pick in picks.reversed() {
            for _ in 0..<pick.count {
                guard let id = bySize.pop(group: pick.group, live: items) else { break }
                items.discard(id)
                batch.append(id)
            }
        }
    }

    /// The `count` smallest live sizes, ascending, into `windowSize`: read
    /// from the per-size counts, no item touched.
    private func collectWindow(upTo count: Int) {
        windowSize.removeAll(keepingCapacity: true)
        var group = 0
        while windowSize.count < count && group < bySize.sizeCount {
            let (size, live) = bySize.group(group)
            windowSize.append(contentsOf: repeatElement(size, count: min(live, count - windowSize.count)))
            group += 1
        }
    }
}

@c public func ferry_strategy_entry() -> UnsafePointer<ferry_strategy> {
    StrategyExport.table(name: "optimal", Optimal.self)
}
