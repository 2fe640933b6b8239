import StrategySDK

/// `edf` — earliest deadline first, filled up to the batch limit. An item
/// that can no longer meet its deadline — now plus its estimated service time
/// is past it — is given up (answered "expired", never run), so the backend
/// spends no time on answers nobody will wait for. The service time is the
/// host's estimate (its cost model), corrected by what completed calls
/// really took (measured ÷ estimated, smoothed). Items without a deadline are
/// ordered as if due `default_deadline_ms` after arrival, so they cannot starve.
///
/// Optimises: the number of requests answered within their deadlines.
/// Fails: mean latency (it ignores cost order), and under overload it can
/// expire items that a cheaper schedule would have saved.
/// Decisions cost O(batch × log n).
///
/// Config: `default_deadline_ms` (default 10000).
public final class EDF: FerryStrategy {
    private let defaultDeadlineNs: Int64
    /// Measured ÷ estimated call time, smoothed: 1 while the host's model is right.
    private var correction = 1.0
    private var host: HostEstimates?
    /// Its queued items, kept for it by the SDK (from arrival to departure).
    private let items = QueuedItems()
    public var queued: QueuedItems? { items }
    private let byDeadline = KeyOrder()
    /// A call's estimate by its first id, until it completes.
    private var running: [UInt64: Int64] = [:]
    private var chosen: [UInt64] = []

    public init(config: StrategyConfig) throws {
        defaultDeadlineNs = Int64(try config.double("default_deadline_ms", default: 10_000, in: 0...86_400_000) * 1_000_000)
    }

    public func attached(_ host: HostEstimates) {
        self.host = host
    }

    public func arrived(_ item: Item, now: Int64) {
        let due = item.deadlineNs == Item.never ? item.arrivalNs &+ defaultDeadlineNs : item.deadlineNs
        byDeadline.insert(id: item.id, key: UInt64(clamping: due))
    }


    public func nextBatch(now: Int64, freeSlots: Int, batch: inout BatchBuilder) -> Int64 {
        chosen.removeAll(keepingCapacity: true)
        while !batch.isFull, let id = byDeadline.first(live: items), let item = items[id] {
            // It cannot finish sooner than alone: hopeless if even that is late.
            let finish = Double(now) + correction * Double(item.serviceNs)
            if item.deadlineNs != Item.never && finish > Double(item.deadlineNs) {
                guard batch.expire(id) else { break }  // host buffer full: the rest next time
                _ = byDeadline.popFirst(live: items)
                items.discard(id)
                continue
            }
            _ = byDeadline.popFirst(live: items)
            items.discard(id)
            chosen.append(id)
            batch.append(id)
        }
        // Still queued in the host until this answer returns: ask what the call will take.
        if let host, !chosen.isEmpty {
            let estimate = host.batchServiceNs(chosen)
            running[chosen[0]] = estimate
        }
        return Item.never
    }

    public func completed(ids: BatchIDs, serviceNs: Int64, success: Bool, now: Int64) {
        // A batch the host formed itself (a refused answer) has no estimate of ours.
        guard let first = ids.first, let estimate = running.removeValue(forKey: first),
              success, estimate > 0, serviceNs > 0 else { return }
        correction = 0.8 * correction + 0.2 * Double(serviceNs) / Double(estimate)
    }
}

@c public func ferry_strategy_entry() -> UnsafePointer<ferry_strategy> {
    StrategyExport.table(name: "edf", EDF.self)
}
