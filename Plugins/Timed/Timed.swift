import StrategySDK

/// `timed` — seed `004`'s batcher: flush a batch when `max_items` are queued,
/// or when `idle_ms` pass with no new item — whichever comes first — oldest
/// first. In-flight limits are the host's (a flush waits for a free slot).
///
/// Optimises: fuller batches for backends that charge per call rather than
/// per item (an LLM API with a concurrency limit), at a bounded added wait.
/// Fails: a lone request waits the whole idle time (the most common complaint
/// about batching servers), and under steady traffic slower than one item per
/// `idle_ms` every item pays that wait.
///
/// Config: `max_items` (default 8, ≥ 1; capped by the backend's batch limit),
/// `idle_ms` (default 100, ≥ 0).
public final class Timed: FerryStrategy {
    private let maxItems: Int
    private let idleNs: Int64
    /// Its queued items, kept for it by the SDK (from arrival to departure).
    private let items = QueuedItems()
    public var queued: QueuedItems? { items }
    private let order = ArrivalOrder()
    private var lastArrivalNs: Int64 = .min

    public init(config: StrategyConfig) throws {
        maxItems = try config.int("max_items", default: 8, in: 1...1_000_000)
        idleNs = Int64(try config.double("idle_ms", default: 100, in: 0...3_600_000) * 1_000_000)
    }

    public func arrived(_ item: Item, now: Int64) {
        order.append(item.id)
        lastArrivalNs = max(lastArrivalNs, item.arrivalNs)
    }


    public func nextBatch(now: Int64, freeSlots: Int, batch: inout BatchBuilder) -> Int64 {
        let full = min(maxItems, batch.capacity)
        let idleSince = lastArrivalNs == .min ? now : lastArrivalNs
        guard items.count >= full || now - idleSince >= idleNs else {
            return idleSince + idleNs  // flush on idle time unless it fills first
        }
        while batch.count < full, let id = order.popFirst(live: items) {
            items.discard(id)
            batch.append(id)
        }
        return Item.never
    }
}

@c public func ferry_strategy_entry() -> UnsafePointer<ferry_strategy> {
    StrategyExport.table(name: "timed", Timed.self)
}
