import DequeModule
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
/// (true for sorted costs unless a long item ages past the bound).
/// Aging: an item that waited `aging_ms` goes first, with the cheapest others.
///
/// Optimises: mean latency (it approaches the lower bound on bursts).
/// Fails: long items wait up to the aging bound while short work keeps
/// arriving; it ignores deadlines and client fairness.
///
/// Config: `aging_ms` (default 2000, ≥ 0), `window` (default 128, 1…100000),
/// `exact` (default 8, 0…16: queue size up to which the search is exhaustive).
public final class Optimal: FerryStrategy {
    private let agingNs: Int64
    private let window: Int
    private let exactLimit: Int
    /// Its queued items, kept for it by the SDK (from arrival to departure).
    private let items = QueuedItems()
    public var queued: QueuedItems? { items }
    private var byArrival = ArrivalOrder()
    /// Distinct costs that have a bucket, ascending; buckets hold ids in
    /// arrival order with lazy removal.
    private var costs: [UInt64] = []
    private var buckets: [UInt64: Deque<UInt64>] = [:]
    // Scratch, reused across decisions.
    private var windowIDs: [UInt64] = []
    private var windowSize: [UInt64] = []
    private var host: HostEstimates?
    private var best: [Double] = []
    private var choice: [Int] = []

    public init(config: StrategyConfig) throws {
        agingNs = Int64(try config.double("aging_ms", default: 2000, in: 0...86_400_000) * 1_000_000)
        window = try config.int("window", default: 128, in: 1...100_000)
        exactLimit = try config.int("exact", default: 8, in: 0...16)
    }

    public func attached(_ host: HostEstimates) {
        self.host = host
    }

    /// What a call of the window's items `start..<end` costs (the window is
    /// sorted by cost, so the last is the largest). A host older than ABI 1.1
    /// offers no estimate: then the seed's law, the largest cost squared.
    private func callCost(_ start: Int, _ end: Int) -> Double {
        let longest = windowSize[end - 1]
        guard let host else { return Double(longest) * Double(longest) }
        return Double(host.callServiceNs(count: end - start, longest: longest))
    }

    public func arrived(_ item: Item, now: Int64) {
        byArrival.append(item.id)
        if buckets[item.cost] == nil {
            costs.insert(item.cost, at: insertionIndex(of: item.cost))
            buckets[item.cost] = Deque()
        }
        buckets[item.cost]!.append(item.id)
    }


    public func nextBatch(now: Int64, freeSlots: Int, batch: inout BatchBuilder) -> Int64 {
        if let oldest = byArrival.first(live: items), let item = items[oldest], now - item.arrivalNs >= agingNs {
            take(oldest, into: &batch)
            collectWindow(upTo: batch.capacity - 1)
            for id in windowIDs { take(id, into: &batch) }
            return Item.never
        }
        collectWindow(upTo: window)
        let w = windowIDs.count
        guard w > 0 else { return Item.never }
        let group = w <= exactLimit && w == items.count
            ? exactFirstGroup(limit: batch.capacity)
            : programmedFirstGroup(limit: batch.capacity, queued: items.count)
        for k in group { take(windowIDs[k], into: &batch) }
        return Item.never
    }

    /// The dynamic programme over the window (groups run cheapest first),
    /// then the group Smith's rule runs first: the least call time per item.
    private func programmedFirstGroup(limit: Int, queued: Int) -> Range<Int> {
        let w = windowIDs.count
        let n = Double(queued)
        best.removeAll(keepingCapacity: true)
        choice.removeAll(keepingCapacity: true)
        best.append(contentsOf: repeatElement(0, count: w + 1))
        choice.append(contentsOf: repeatElement(0, count: w + 1))
        for i in stride(from: w - 1, through: 0, by: -1) {
            var bestValue = Double.infinity
            var bestEnd = i + 1
            let waiting = n - Double(i)
            for j in (i + 1)...min(i + limit, w) {
                let value = callCost(i, j) * waiting + best[j]
                if value < bestValue { bestValue = value; bestEnd = j }
            }
            best[i] = bestValue
            choice[i] = bestEnd
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
        let w = windowIDs.count
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

    private func take(_ id: UInt64, into batch: inout BatchBuilder) {
        guard items.take(id) != nil else { return }
        batch.append(id)
    }

    /// The `count` cheapest live items, ascending by cost, into the scratch arrays.
    private func collectWindow(upTo count: Int) {
        windowIDs.removeAll(keepingCapacity: true)
        windowSize.removeAll(keepingCapacity: true)
        var index = 0
        while index < costs.count && windowIDs.count < count {
            let cost = costs[index]
            while let first = buckets[cost]!.first, items[first] == nil { buckets[cost]!.removeFirst() }
            if buckets[cost]!.isEmpty {
                buckets[cost] = nil
                costs.remove(at: index)
                continue
            }
            for id in buckets[cost]! where items[id] != nil {
                windowIDs.append(id)
                windowSize.append(cost)
                if windowIDs.count == count { break }
            }
            index += 1
        }
    }

    private func insertionIndex(of cost: UInt64) -> Int {
        var low = 0, high = costs.count
        while low < high {
            let mid = (low + high) / 2
            if costs[mid] < cost { low = mid + 1 } else { high = mid }
        }
        return low
    }
}

@c public func ferry_strategy_entry() -> UnsafePointer<ferry_strategy> {
    StrategyExport.table(name: "optimal", Optimal.self)
}
