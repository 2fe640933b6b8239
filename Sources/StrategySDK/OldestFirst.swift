/// Oldest first, filled up to the batch limit: plain dynamic batching, what
/// most serving frameworks do (without their timeout: the batch is formed the
/// moment a backend slot frees, from all that is queued). It is the built-in
/// plugin `batch`, and the strategy the host falls back to when a plugin
/// answers nonsense or crashed the scheduler: it cannot starve anything,
/// the one property a fallback must have.
///
/// Company pays its way: after the oldest item, the next ones in arrival
/// order join its call only where the host's cost model says the call grows
/// by less than the item's own call would cost (as in `sjf`); one that does
/// not — a long document beside short queries, for a transformer that pads
/// every row to the longest — waits for a later call, keeping its place in
/// arrival order. Under the seed's law or a fixed cost per call every item
/// pays, so this is plain oldest-first there. At most `4 × limit` items are
/// looked at past the oldest (and `16 × limit` entries passed).
///
/// Optimises: throughput and arrival order; no item waits for a timer.
/// Fails: a burst of short work waits behind long items that came first.
/// Decisions cost O(batch) amortised (lazy deletion).
///
/// Config: none (any key is refused).
public final class OldestFirst: FerryStrategy {
    public let name = "oldest-first"
    /// Its queued items, kept for it by its host (from arrival to departure).
    private let items = QueuedItems()
    public var queued: QueuedItems? { items }
    private let order = ArrivalOrder()
    private var host: HostEstimates?

    public init() {}

    public init(config: StrategyConfig) throws {
    }

    public func attached(_ host: HostEstimates) {
        self.host = host
    }

    public func arrived(_ item: Item, now: Int64) {
        order.append(item.id)
    }

    public func nextBatch(now: Int64, freeSlots: Int, batch: inout BatchBuilder) -> Int64 {
        guard let host else {
            // No estimates (a host older than ABI 1.1): every item pays.
            while !batch.isFull, let id = order.popFirst(live: items) {
                items.discard(id)
                batch.append(id)
            }
            return Item.never
        }
        guard let oldest = order.popFirst(live: items), let first = items.take(oldest) else { return Item.never }
        batch.append(oldest)
        var longest = first.cost
        var callNs = host.callServiceNs(count: 1, longest: longest)
        // The ones passed over stay in the order (dead entries of those taken are skipped later).
        // Bounded: at most 4 × limit live items looked at, 16 × limit entries passed (dead ones included).
        var index = order.entries.startIndex
        let end = min(order.entries.endIndex, index + 16 * batch.capacity)
        var looked = 0
        while !batch.isFull, index < end, looked < 4 * batch.capacity {
            let id = order.entries[index].id
            index += 1
            guard let item = items[id] else { continue }
            looked += 1
            let grown = host.callServiceNs(count: batch.count + 1, longest: max(longest, item.cost))
            guard grown - callNs <= host.callServiceNs(count: 1, longest: item.cost) else { continue }
            items.discard(id)
            batch.append(id)
            longest = max(longest, item.cost)
            callNs = grown
        }
        return Item.never
    }
}
