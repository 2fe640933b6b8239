import StrategySDK

/// `fair` — per-client fair sharing of backend time, after the Virtual Token
/// Counter (VTC) scheduler for LLM serving: each client has a counter of the
/// service it received (an item charges its own service time — the time it
/// would take alone, as the host's cost model estimates it — divided by the
/// client's weight); each batch slot goes to the queued
/// client with the lowest counter, oldest item first. A client that was idle
/// is lifted to the lowest counter among active clients when it returns, so
/// idleness banks no credit and one client's burst cannot starve another.
///
/// Bound: while clients stay backlogged, their counters differ by at most
/// the largest single charge (one item's service time ÷ its client's weight).
///
/// Optimises: fairness between clients (Jain's index), isolation from floods.
/// Fails: mean latency, when one client's items are much cheaper (it does not
/// sort by cost across clients); mixes clients' lengths in one call.
/// Decisions scan the active clients: O(batch × clients).
///
/// Config: `weights` (`name:weight;…`, default 1 each; weight > 0).
public final class Fair: FerryStrategy {
    private struct Client {
        let order = ArrivalOrder()
        var queued = 0
        var counter = 0.0
        var weight: Double
    }

    private let weights: [String: Double]
    /// Its queued items, kept for it by the SDK (from arrival to departure).
    private let items = QueuedItems()
    public var queued: QueuedItems? { items }
    // Touched on every decision, only from the one thread all strategy calls
    // come from, never across a call that comes back in: no dynamic
    // exclusivity check per access.
    /// By the host's interned client index (dense from 0); nil until a client's first item.
    @exclusivity(unchecked) private var clients: [Client?] = []
    @exclusivity(unchecked) private var active: [UInt32] = []

    public init(config: StrategyConfig) throws {
        weights = try config.namedNumbers("weights", in: 1e-6...1e6)
    }

    public func arrived(_ item: Item, now: Int64) {
        let key = Int(item.client)
        if key >= clients.count { clients.append(contentsOf: repeatElement(nil, count: key + 1 - clients.count)) }
        if clients[key] == nil { clients[key] = Client(weight: weights[item.clientName] ?? 1) }
        if clients[key]!.queued == 0 {
            // Lift a returning client to the least-served active one: no banked credit.
            if let floor = active.map({ clients[Int($0)]!.counter }).min() { clients[key]!.counter = max(clients[key]!.counter, floor) }
            active.append(item.client)
        }
        clients[key]!.queued += 1
        clients[key]!.order.append(item.id)
    }

    public func removed(_ id: UInt64, reason: RemovalReason, now: Int64) {
        guard let item = items.take(id) else { return }
        left(item.client)
    }

    public func nextBatch(now: Int64, freeSlots: Int, batch: inout BatchBuilder) -> Int64 {
        while !batch.isFull, let key = leastServed() {
            let index = Int(key)
            guard let id = clients[index]!.order.popFirst(live: items), let item = items.take(id) else {
                clients[index]!.queued = 0  // nothing live left: bookkeeping drifted; repair
                active.removeAll { $0 == key }
                continue
            }
            clients[index]!.counter += Double(item.serviceNs) / clients[index]!.weight
            left(key)
            batch.append(id)
        }
        return Item.never
    }

    private func leastServed() -> UInt32? {
        var best: UInt32?
        var bestCounter = Double.infinity
        for key in active {
            let c = clients[Int(key)]!.counter
            if c < bestCounter || (c == bestCounter && key < best!) { best = key; bestCounter = c }
        }
        return best
    }

    private func left(_ key: UInt32) {
        let index = Int(key)
        clients[index]!.queued -= 1
        if clients[index]!.queued <= 0 {
            clients[index]!.queued = 0
            active.removeAll { $0 == key }
        }
    }
}

@c public func ferry_strategy_entry() -> UnsafePointer<ferry_strategy> {
    StrategyExport.table(name: "fair", Fair.self)
}
