import CostModel
import StrategyABI
import StrategySDK
/// The vocabulary (`Item`, `ItemID`, `RemovalReason`, `SchedulingStrategy`) is
/// the SDK's too: one module, re-exported.
@_exported import StrategyTypes
import DequeModule
import HeapModule

/// The scheduling core: the queue, the backend's capacity, deadlines, and the
/// strategy that picks each batch. It knows nothing of sockets or event loops
/// and takes `now` from its caller, so the live scheduler and the bench's
/// simulator drive the very same code.
///
/// Late binding: a batch is formed only when `schedule(now:)` finds a free
/// backend slot (or a wake-up the strategy asked for is due), from everything
/// queued at that moment. It trusts no strategy: every answer is checked and
/// a bad one is replaced by oldest-first, so nothing is lost or doubled.
public final class SchedulingCore {
    /// Limits the core enforces.
    public struct Configuration: Sendable {
        /// Most items one backend call may hold.
        public var batchLimit: Int
        /// Backend calls that may be in flight at once.
        public var slots: Int
        /// Of those, the calls sent ahead per call running (the worker's
        /// `pipeline`): they wait in the model server's queue, so the backend
        /// runs `slots / (1 + pipeline)` at once. A call is sent ahead only
        /// `sendAheadLeadNs` before the server is predicted to be free for it,
        /// so its batch is chosen from nearly everything that will have come.
        public var pipeline: Int
        /// Calls the backend runs at once: the slots less those sent ahead.
        public var parallel: Int { max(1, slots / (1 + pipeline)) }
        /// Most items queued at once; beyond it `enqueue` refuses.
        public var maxQueued: Int
        /// Most items one client may have queued; beyond it `enqueue` refuses
        /// that client only, so one client's burst cannot fill the queue.
        public var maxQueuedPerClient: Int
        /// The longest a strategy may keep the oldest item waiting while a
        /// backend slot is free; past it the host dispatches oldest-first.
        public var starvationBoundNs: Int64
        /// After this many refused answers in a row the strategy is replaced
        /// by the built-in oldest-first for good (it is answering nonsense).
        public var maxConsecutiveRefusals: Int
        /// What a backend call costs: each item's own estimate, and the
        /// estimate of a candidate batch offered to the strategy.
        public var costModel: CostModel
        /// Item and batch ids start after this: cores sharing one id space
        /// (one per model in a scheduler) are given disjoint ranges.
        public var idBase: UInt64

        public init(batchLimit: Int = 5, slots: Int = 1, maxQueued: Int = 10_000, maxQueuedPerClient: Int? = nil,
                    starvationBoundNs: Int64 = 30_000_000_000, maxConsecutiveRefusals: Int = 10,
                    costModel: CostModel = .seed(unitMs: 1), idBase: UInt64 = 0, pipeline: Int = 0) {
            self.idBase = idBase
            self.pipeline = max(0, pipeline)
            self.batchLimit = batchLimit
            self.slots = slots
            self.maxQueued = maxQueued
            self.maxQueuedPerClient = maxQueuedPerClient ?? maxQueued
            self.starvationBoundNs = starvationBoundNs
            self.maxConsecutiveRefusals = maxConsecutiveRefusals
            self.costModel = costModel
        }
    }

    /// A batch the caller must now send to the backend.
    public struct Dispatch: Equatable, Sendable {
        public var batchID: UInt64
        public var ids: [ItemID]
    }

    /// What one `schedule(now:)` decided.
    public struct Outcome: Equatable, Sendable {
        /// Batches to send, in order.
        public var dispatches: [Dispatch] = []
        /// Items whose deadline passed: answer them as expired.
        public var expired: [ItemID] = []
        /// When to call `schedule` again even if nothing else happens.
        public var wakeAtNs: Int64?
        /// The strategy was asked for a batch (a decision, for its timing).
        public var askedStrategy = false
    }

    /// Read for every estimate a strategy asks (many a decision): no dynamic
    /// exclusivity check, as the core is used from one thread.
    @exclusivity(unchecked) public private(set) var configuration: Configuration
    /// The strategy in charge: the plugin, or `OldestFirst` once replaced.
    public private(set) var strategy: any SchedulingStrategy
    /// Why the strategy was replaced by the fallback; nil while it is in charge.
    public private(set) var fallbackReason: String?
    /// Called with one line whenever the strategy's answer was refused.
    public var onRefusedAnswer: ((String) -> Void)?
    /// Called once when the strategy is replaced by the fallback.
    public var onStrategyReplaced: ((String) -> Void)?

    /// The queued items, as records (see `ItemRecord`); `queued(_:)` gives an item back.
    private let queue = IDTable<ItemRecord>()
    /// Client names by interned index.
    // The state below is touched on every decision, from the one thread the
    // core is used on (it is not Sendable), and never handed out across a
    // call that could come back in (a strategy's calls into the host read
    // `configuration` and `queue` only): no dynamic exclusivity check per
    // access (they were a tenth of a decision at depth 100,000).
    @exclusivity(unchecked) private var clientNames: [String] = []
    @exclusivity(unchecked) private var arrivalOrder = Deque<ItemID>()
    @exclusivity(unchecked) private var deadlines = Heap<DeadlineEntry>()
    /// Each batch in flight: its items, and when it was dispatched (for the admission's prediction).
    private let inFlight = IDTable<(items: [Item], sinceNs: Int64)>()
    /// With `pipeline`: which calls in flight run and which wait at the server.
    private var serverQueue: ServerQueue
    @exclusivity(unchecked) private var nextItemID: ItemID = 1
    @exclusivity(unchecked) private var nextBatchID: UInt64 = 1
    private var clientIndex: [String: UInt32] = [:]
    /// The strategy's answer buffers (and a plugin's: it writes into them).
    private var idBuffer: UnsafeMutablePointer<ItemID>
    private var idCapacity: Int
    private let expireBuffer: UnsafeMutablePointer<ItemID>
    private static let expireCapacity = 256
    @exclusivity(unchecked) private var scratch: [ItemID] = []
    @exclusivity(unchecked) private var expireScratch: [ItemID] = []
    /// What the strategy is handed to ask the cost model (ABI 1.1's `ferry_host`).
    private let hostTable: UnsafeMutablePointer<ferry_host>

    /// Answers refused and replaced by oldest-first.
    public private(set) var refusedAnswers = 0
    private var consecutiveRefusals = 0
    /// The deepest the queue has been.
    public private(set) var highWater = 0
    /// Why the last `enqueue` refused, for the client's error message.
    public private(set) var lastRefusal = ""
    /// Queued items per client, by the client's interned index.
    @exclusivity(unchecked) private var queuedPerClient: [Int] = []
    /// Lost calls to send again before the strategy is asked, in order:
    /// whole (the strategy chose them already), or one item each after a
    /// crash (one of them may be poison).
    @exclusivity(unchecked) private var redispatch = Deque<[ItemID]>()

    public init(strategy: any SchedulingStrategy, configuration: Configuration = .init()) {
        self.strategy = strategy
        self.configuration = configuration
        serverQueue = ServerQueue(parallel: configuration.parallel)
        nextItemID = configuration.idBase + 1
        nextBatchID = configuration.idBase + 1
        idCapacity = max(1, configuration.batchLimit)
        idBuffer = .allocate(capacity: idCapacity)
        expireBuffer = .allocate(capacity: Self.expireCapacity)
        hostTable = .allocate(capacity: 1)
        hostTable.initialize(to: ferry_host(
            size: UInt32(MemoryLayout<ferry_host>.size), context: nil,
            batch_service_ns: { context, ids, count in
                SchedulingCore.of(context)._withUnsafeGuaranteedRef { $0.batchServiceNs(UnsafeBufferPointer(start: ids, count: Int(count))) }
            },
            call_service_ns: { context, count, longest in
                SchedulingCore.of(context)._withUnsafeGuaranteedRef { $0.callServiceNs(count: Int(count), longest: longest) }
            },
            law_is_prior: { context in
                SchedulingCore.of(context)._withUnsafeGuaranteedRef { $0.lawIsPrior ? 1 : 0 }
            }))
        // The core owns the strategy, which holds the table: unretained, no cycle.
        hostTable.pointee.context = Unmanaged.passUnretained(self).toOpaque()
        strategy.attached(HostEstimates(hostTable))
    }

    deinit {
        idBuffer.deallocate()
        expireBuffer.deallocate()
        hostTable.deallocate()
    }

    /// The core behind a `ferry_host` context; used without a retain (the
    /// core outlives every call its strategy makes).
    private static func of(_ context: UnsafeMutableRawPointer?) -> Unmanaged<SchedulingCore> {
        Unmanaged<SchedulingCore>.fromOpaque(context!)
    }

    public var queuedCount: Int { queue.count }
    public var inFlightCount: Int { inFlight.count }
    public var freeSlots: Int { max(0, configuration.slots - inFlight.count) }

    /// How long before the model server is predicted to be free for it a
    /// call is sent ahead: Ferry's way there (scheduler → worker → server,
    /// 0.3 ms at the median on a 2-core VM, p90 up to 2 ms) and some of the
    /// estimate's error. Earlier would only choose its batch from less.
    /// At most a quarter of the call it follows: on a server that runs calls
    /// side by side instead of queueing them, a call sent ahead starts at
    /// once and is timed from the end of the one before, the lead shorter
    /// than it ran — a lead bounded by the call keeps the learned law from
    /// shrinking towards nothing (it settles at most a lead under the truth,
    /// where a fixed lead longer than short calls would send each at once
    /// and time it at nearly zero).
    public static let sendAheadLeadNs: Int64 = 1_000_000

    /// The backend calls the strategy may fill now: every free slot without
    /// `pipeline`; with it, a place the server can start at once, or one
    /// call sent ahead when the server is predicted to be free for it within
    /// `sendAheadLeadNs` (or a quarter of the call it follows, if shorter) —
    /// else none, and when to ask again.
    func openSlots(now: Int64) -> (count: Int, opensAtNs: Int64?) {
        let free = freeSlots
        guard configuration.pipeline > 0, free > 0 else { return (free, nil) }
        if serverQueue.idlePlaces > 0 { return (min(free, serverQueue.idlePlaces), nil) }
        let next = serverQueue.nextStart(now: now) { self.estimateNs(ofBatch: $0) }
        let opens = next.atNs - min(Self.sendAheadLeadNs, next.afterCallNs / 4)
        return opens <= now ? (1, nil) : (0, opens)
    }

    /// What the cost law says an in-flight batch takes.
    private func estimateNs(ofBatch batchID: UInt64) -> Int64 {
        guard let batch = inFlight[batchID] else { return 0 }
        return configuration.costModel.callNs(sizes: batch.items.lazy.map(\.cost))
    }

    /// A batch left the backend (answered, lost or abandoned).
    private func left(_ batchID: UInt64, now: Int64) {
        if configuration.pipeline > 0 { serverQueue.left(batchID, now: now) }
    }

    /// Changes the backend's limits (the worker announces them on connect).
    public func setCapacity(batchLimit: Int, slots: Int) {
        configuration.batchLimit = max(1, batchLimit)
        configuration.slots = max(1, slots)
        serverQueue.setParallel(configuration.parallel)
        if configuration.batchLimit > idCapacity {
            idBuffer.deallocate()
            idCapacity = configuration.batchLimit
            idBuffer = .allocate(capacity: idCapacity)
        }
    }

    /// Queues a request. Returns its id, or nil when the queue is full.
    public func enqueue(client: String, priority: Int32 = 0, cost: UInt64, deadlineNs: Int64 = timeNever, now: Int64) -> ItemID? {
        guard queue.count < configuration.maxQueued else {
            lastRefusal = "queue full (\(configuration.maxQueued) requests)"
            return nil
        }
        let clientIndex = intern(client)
        guard queuedPerClient[Int(clientIndex)] < configuration.maxQueuedPerClient else {
            lastRefusal = "client \(client) has \(configuration.maxQueuedPerClient) requests queued, its limit"
            return nil
        }
        let id = nextItemID
        nextItemID += 1
        let item = Item(id: id, client: clientIndex, clientName: client, priority: priority,
                              cost: cost, arrivalNs: now, deadlineNs: deadlineNs, serviceNs: configuration.costModel.itemNs(size: cost))
        insert(item)
        tellArrived(item, now: now)
        return id
    }

    /// Removes a queued item (its client went away). False if not queued.
    @discardableResult
    public func cancel(_ id: ItemID, now: Int64) -> Bool {
        guard unqueue(id) != nil else { return false }
        tellRemoved(id, reason: .cancelled, now: now)
        return true
    }

    /// Expires what is due, then fills every free backend slot with the
    /// strategy's choices. Call on every arrival, completion and due wake-up.
    public func schedule(now: Int64) -> Outcome {
        var outcome = Outcome()
        expire(now: now, into: &outcome.expired)
        var strategyWake: Int64?
        // Lost calls go again first, minus what expired or was cancelled meanwhile.
        var open = openSlots(now: now)
        while open.count > 0, let ids = redispatch.popFirst() {
            defer { open = openSlots(now: now) }
            var live = ids.filter { queue.contains($0) }
            guard !live.isEmpty else { continue }
            if live.count > configuration.batchLimit {  // the new worker takes fewer a call
                redispatch.prepend(Array(live[configuration.batchLimit...]))
                live = Array(live[..<configuration.batchLimit])
            }
            outcome.dispatches.append(take(live, now: now))
            for id in live { tellRemoved(id, reason: .takenByHost, now: now) }
        }
        while open.count > 0 && !queue.isEmpty {
            defer { open = openSlots(now: now) }
            var batch = BatchBuilder(ids: idBuffer, capacity: configuration.batchLimit, expireIDs: expireBuffer,
                                     expireCapacity: Self.expireCapacity)
            outcome.askedStrategy = true
            let wake = strategy.nextBatch(now: now, freeSlots: open.count, batch: &batch)
            if let queued = strategy.queued {
                // What it answered has left its table (it may have taken them already).
                for id in batch.appended { queued.hostRemove(id) }
                for id in batch.expired { queued.hostRemove(id) }
            }
            scratch.removeAll(keepingCapacity: true)
            scratch.append(contentsOf: batch.appended)
            // An over-long claim (a plugin answering nonsense) is refused, never truncated or read past its buffer.
            if batch.claimedCount > batch.count || batch.claimedExpiredCount > batch.expiredCount {
                let what = batch.claimedCount > batch.count ? "\(batch.claimedCount) ids, over the batch limit of \(configuration.batchLimit)"
                    : "\(batch.claimedExpiredCount) ids to give up, over the host's room for \(batch.expireCapacity)"
                outcome.dispatches.append(fallback(now: now, refused: scratch, reason: "returned \(what)"))
                continue
            }
            if batch.expiredCount > 0 {
                expireScratch.removeAll(keepingCapacity: true)
                expireScratch.append(contentsOf: batch.expired)
                expireOnRequest(expireScratch, into: &outcome.expired)
            }
            if scratch.isEmpty {
                if queue.isEmpty { break }
                if wake == timeNever && inFlight.isEmpty {
                    // Nothing running and nothing asked for: the queue would stall.
                    outcome.dispatches.append(fallback(now: now, refused: [], reason: "returned no batch and no wake-up while the backend is idle and \(queue.count) items are queued"))
                    continue
                }
                if let oldest = oldestQueued(), now - oldest.arrivalNs > configuration.starvationBoundNs {
                    let waited = (now - oldest.arrivalNs) / 1_000_000
                    outcome.dispatches.append(fallback(now: now, refused: [], reason: "kept item \(oldest.id) waiting \(waited) ms with a backend slot free, over the host's starvation bound of \(configuration.starvationBoundNs / 1_000_000) ms"))
                    continue
                }
                // A wake-up in the past would spin; ask again no sooner than 1 µs from now.
                if wake != timeNever { strategyWake = max(wake, now + 1_000) }
                break
            }
            if let problem = validate(scratch) {
                let refused = scratch
                outcome.dispatches.append(fallback(now: now, refused: refused, reason: problem))
                continue
            }
            consecutiveRefusals = 0
            outcome.dispatches.append(take(scratch, now: now))
        }
        // A call to send ahead later: asked again as the server is about to be free for it.
        if open.count == 0, let opens = open.opensAtNs, !queue.isEmpty { strategyWake = min(strategyWake ?? opens, opens) }
        // Trimmed when it has grown well past the queue (amortised O(1), and
        // no lookup of the oldest item on every call).
        if arrivalOrder.count > 2 * queue.count + 64 { trimArrivalOrder() }
        let nextDeadline = nextLiveDeadline()
        switch (strategyWake, nextDeadline) {
        case let (a?, b?): outcome.wakeAtNs = min(a, b)
        case let (a?, nil): outcome.wakeAtNs = a
        case let (nil, b?): outcome.wakeAtNs = b
        default: outcome.wakeAtNs = nil
        }
        return outcome
    }

    /// Expires what is due without asking the strategy for a batch (there is
    /// no backend to send one to); returns the expired ids and when the next
    /// queued deadline falls.
    public func expireDue(now: Int64) -> (expired: [ItemID], nextDeadlineNs: Int64?) {
        var expired: [ItemID] = []
        expire(now: now, into: &expired)
        return (expired, nextLiveDeadline())
    }

    /// A batch came back from the backend: frees its slot and tells the
    /// strategy. Returns its ids in dispatch order, or nil for an unknown batch.
    @discardableResult
    public func complete(batchID: UInt64, success: Bool, serviceNs: Int64, now: Int64) -> [ItemID]? {
        guard let items = inFlight.remove(batchID)?.items else { return nil }
        left(batchID, now: now)
        let ids = items.map(\.id)
        ids.withUnsafeBufferPointer { strategy.completed(ids: BatchIDs($0), serviceNs: serviceNs, success: success, now: now) }
        return ids
    }

    /// Ids of the batches in flight, by batch id.
    public var inFlightBatches: [UInt64: [ItemID]] {
        var batches: [UInt64: [ItemID]] = [:]
        inFlight.forEach { id, batch in batches[id] = batch.items.map(\.id) }
        return batches
    }

    /// The sizes (cost hints) of a batch in flight, in batch order.
    public func sizes(ofBatch batchID: UInt64) -> [UInt64]? { inFlight[batchID]?.items.map(\.cost) }

    /// Whether the cost law is still the prior of one the lane learns, no
    /// call measured yet (ABI 1.2's `law_is_prior`): set by the lane that
    /// learns, cleared by the first law it hands over. False by default: a
    /// law given by configuration (and the simulator's) is known.
    public var lawIsPrior = false

    /// Replaces the cost law (a learned one): items queued from now on, and
    /// every batch offered to the strategy, are estimated by it.
    public func setCostModel(_ model: CostModel) {
        configuration.costModel = model
        lawIsPrior = false
    }

    /// Puts a batch that never came back (the backend died, or was busy) back
    /// in the queue, keeping each item's arrival time and deadline, and sends
    /// it again ahead of newer work as soon as a slot is free: whole, or with
    /// `isolate` one item per call, so one poison item cannot fail the others
    /// again. Returns its ids, or nil for an unknown batch.
    @discardableResult
    public func requeue(batchID: UInt64, now: Int64, isolate: Bool = false) -> [ItemID]? {
        guard let items = inFlight.remove(batchID)?.items else { return nil }
        left(batchID, now: now)
        for item in items.reversed() {
            insert(item)
            arrivalOrder.removeLast()
            arrivalOrder.prepend(item.id)
        }
        if isolate {
            for item in items { redispatch.append([item.id]) }
        } else {
            redispatch.append(items.map(\.id))
        }
        for item in items { tellArrived(item, now: now) }
        return items.map(\.id)
    }

    /// Puts the built-in oldest-first in charge for good, telling it about
    /// everything queued. Used when the plugin keeps answering nonsense, or
    /// when the scheduler is restarted after the plugin crashed it.
    public func replaceStrategy(reason: String, now: Int64) {
        guard fallbackReason == nil else { return }
        fallbackReason = reason
        let fallback = OldestFirst()
        strategy = fallback
        fallback.attached(HostEstimates(hostTable))
        trimArrivalOrder()
        for id in arrivalOrder { if let item = queued(id) { tellArrived(item, now: now) } }
        onStrategyReplaced?(reason)
    }

    /// The estimate of a call holding `ids`, from the cost model (ids that
    /// are not queued are left out).
    public func batchServiceNs(_ ids: UnsafeBufferPointer<ItemID>) -> Int64 {
        // A plain loop: the generic `callNs(sizes:)` over a lazy sequence built
        // its type's metadata at run time on every call.
        var count = 0
        var longest: UInt64 = 0
        for id in ids {
            guard let item = queue[id] else { continue }
            count += 1
            longest = max(longest, item.cost)
        }
        return callServiceNs(count: count, longest: longest)
    }

    public func callServiceNs(count: Int, longest: UInt64) -> Int64 {
        Int64(configuration.costModel.callNs(count: count, longest: longest).rounded())
    }


    /// Drops a batch that will not be retried (its items are answered with an
    /// error by the caller). Returns its ids, or nil for an unknown batch.
    @discardableResult
    public func abandon(batchID: UInt64, now: Int64) -> [ItemID]? {
        guard let items = inFlight.remove(batchID)?.items else { return nil }
        left(batchID, now: now)
        let ids = items.map(\.id)
        ids.withUnsafeBufferPointer { strategy.completed(ids: BatchIDs($0), serviceNs: 0, success: false, now: now) }
        return ids
    }

    // MARK: - Internals

    /// The strategy hears of an arrival, after its table (if it keeps one with us) has the item.
    private func tellArrived(_ item: Item, now: Int64) {
        strategy.queued?.hostInsert(item)
        strategy.arrived(item, now: now)
    }

    /// The strategy hears of a departure, then the item leaves its table.
    private func tellRemoved(_ id: ItemID, reason: RemovalReason, now: Int64) {
        strategy.removed(id, reason: reason, now: now)
        strategy.queued?.hostRemove(id)
    }

    private func insert(_ item: Item) {
        queue.insert(item.id, ItemRecord(item))
        arrivalOrder.append(item.id)
        queuedPerClient[Int(item.client)] += 1
        highWater = max(highWater, queue.count)
        if item.deadlineNs != timeNever { deadlines.insert(DeadlineEntry(deadlineNs: item.deadlineNs, id: item.id)) }
    }

    /// Removes a queued item, keeping the per-client counts.
    private func unqueue(_ id: ItemID) -> Item? {
        guard let record = queue.remove(id) else { return nil }
        queuedPerClient[Int(record.client)] -= 1
        return record.item(id: id, clientName: clientNames[Int(record.client)])
    }

    /// A queued item, whole.
    private func queued(_ id: ItemID) -> Item? {
        queue[id].map { $0.item(id: id, clientName: clientNames[Int($0.client)]) }
    }

    private func intern(_ client: String) -> UInt32 {
        if let i = clientIndex[client] { return i }
        let i = UInt32(clientIndex.count)
        clientIndex[client] = i
        clientNames.append(client)
        queuedPerClient.append(0)
        return i
    }

    private func expire(now: Int64, into expired: inout [ItemID]) {
        while let top = deadlines.min, top.deadlineNs <= now {
            _ = deadlines.popMin()
            if unqueue(top.id) != nil {
                tellRemoved(top.id, reason: .expired, now: now)
                expired.append(top.id)
            }
        }
    }

    /// Items the strategy gave up on (they cannot meet their deadline). Ids
    /// that are not queued are ignored and reported; the rest are expired.
    private func expireOnRequest(_ ids: [ItemID], into expired: inout [ItemID]) {
        var ignored: [ItemID] = []
        for id in ids {
            if unqueue(id) != nil { expired.append(id) } else { ignored.append(id) }
        }
        if !ignored.isEmpty {
            refusedAnswers += 1
            onRefusedAnswer?("strategy \(strategy.name) asked to expire ids that are not queued (ids: \(ignored.prefix(16).map(String.init).joined(separator: ","))); ignored")
        }
    }

    /// The oldest item still queued.
    private func oldestQueued() -> Item? {
        trimArrivalOrder()
        return arrivalOrder.first.flatMap { queued($0) }
    }

    /// Drops ids that already left the queue from the front of the arrival
    /// order, so it holds at most what arrived since the oldest queued item.
    private func trimArrivalOrder() {
        while let first = arrivalOrder.first, !queue.contains(first) { arrivalOrder.removeFirst() }
    }

    private func nextLiveDeadline() -> Int64? {
        while let top = deadlines.min {
            if queue.contains(top.id) { return top.deadlineNs }
            _ = deadlines.popMin()
        }
        return nil
    }

    /// Nil when `ids` is an acceptable batch, else what is wrong with it.
    /// (Its length was checked against the batch limit when it was claimed.)
    private func validate(_ ids: [ItemID]) -> String? {
        // Batches are small: a quadratic duplicate check beats allocating a set.
        for (i, id) in ids.enumerated() {
            if !queue.contains(id) { return "returned id \(id), which is not queued" }
            if ids[..<i].contains(id) { return "returned id \(id) twice" }
        }
        return nil
    }

    /// When a request of size `cost` queued now would be answered: the calls
    /// running finish as the cost law says (those sent ahead, waiting in the
    /// server's queue, have all of it still to do), the queue ahead of it goes
    /// in arrival order in full batches (each costing what the law says for
    /// it), all spread over the calls the backend runs at once; then its own
    /// call. A guess from the law, not a promise: a strategy may serve it
    /// sooner or later.
    public func predictedFinishNs(cost: UInt64, now: Int64) -> Int64 {
        let law = configuration.costModel
        var work = 0.0
        if configuration.pipeline > 0 {
            work = serverQueue.remainingNs(now: now) { Double(self.estimateNs(ofBatch: $0)) }
        } else {
            inFlight.forEach { _, batch in
                let estimate = law.callNs(count: batch.items.count, longest: batch.items.map(\.cost).max() ?? 0)
                work += max(0, estimate - Double(now - batch.sinceNs))
            }
        }
        var count = 0
        var longest: UInt64 = 0
        for id in arrivalOrder {
            guard let item = queue[id] else { continue }
            count += 1
            longest = max(longest, item.cost)
            if count == configuration.batchLimit {
                work += law.callNs(count: count, longest: longest)
                (count, longest) = (0, 0)
            }
        }
        work += law.callNs(count: count, longest: longest)
        let wait = work / Double(configuration.parallel)
        return now + Int64(wait.rounded()) + law.itemNs(size: cost)
    }

    private func take(_ ids: [ItemID], now: Int64) -> Dispatch {
        var items: [Item] = []
        items.reserveCapacity(ids.count)
        for id in ids { if let item = unqueue(id) { items.append(item) } }
        let batchID = nextBatchID
        nextBatchID += 1
        inFlight.insert(batchID, (items, now))
        if configuration.pipeline > 0 { serverQueue.sent(batchID, now: now) }
        return Dispatch(batchID: batchID, ids: ids)
    }

    /// Oldest-first in place of a refused answer. The strategy hears which ids
    /// the host took, and gets back the ids of its refused answer that remain
    /// queued (it forgot them when it answered).
    private func fallback(now: Int64, refused: [ItemID], reason: String) -> Dispatch {
        refusedAnswers += 1
        consecutiveRefusals += 1
        let name = strategy.name
        onRefusedAnswer?("strategy \(name) \(reason) (ids: \(refused.prefix(16).map(String.init).joined(separator: ","))); dispatching oldest-first instead")
        var ids: [ItemID] = []
        while ids.count < configuration.batchLimit, let id = arrivalOrder.popFirst() {
            if queue.contains(id) { ids.append(id) }
        }
        let dispatch = take(ids, now: now)
        for id in ids { tellRemoved(id, reason: .takenByHost, now: now) }
        var announced = Set<ItemID>()
        for id in refused where announced.insert(id).inserted {
            if let item = queued(id) { tellArrived(item, now: now) }
        }
        if consecutiveRefusals >= configuration.maxConsecutiveRefusals {
            replaceStrategy(reason: "strategy \(name) gave \(consecutiveRefusals) refused answers in a row (last: \(reason)); replaced by the built-in oldest-first", now: now)
        }
        return dispatch
    }
}

private struct DeadlineEntry: Comparable {
    var deadlineNs: Int64
    var id: ItemID
    static func < (a: DeadlineEntry, b: DeadlineEntry) -> Bool {
        (a.deadlineNs, a.id) < (b.deadlineNs, b.id)
    }
}
