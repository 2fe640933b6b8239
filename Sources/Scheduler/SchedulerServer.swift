import CostModel
import Logging
import Scheduling
import Wire
import Link

/// The scheduler process's logic, on one reactor (a libuv loop in the
/// process, an embedded one in unit tests): accepts ingress
/// connections, keeps the queue in a `SchedulingCore`, dispatches batches to
/// the worker whenever a backend slot frees or a wake-up comes due, and routes
/// each result back to the connection that submitted it.
///
/// Event-driven throughout: it schedules on each arrival, each completion and
/// each timer the strategy asked for — never by polling.
public final class SchedulerServer {
    /// Where to listen, whom to reach, and the limits to enforce.
    public struct Configuration {
        public var socketPath: String
        public var workerPath: String
        public var controlPath: String?
        /// Most queued requests; more are answered `rejected`.
        public var maxQueued: Int
        /// Most queued requests of one client.
        public var maxQueuedPerClient: Int?
        /// Most backend crashes a request may be part of before it is given
        /// up (a poison item); kills from outside do not count.
        public var maxAttempts: Int
        /// When set, the plugin is not trusted: the built-in oldest-first
        /// runs instead, and this reason is reported (the supervisor sets it
        /// after the plugin crashed the scheduler repeatedly).
        public var fallbackReason: String?
        /// What the backend's calls cost, for the strategy's estimates.
        public var costModel: CostModel

        public init(socketPath: String, workerPath: String, controlPath: String? = nil, maxQueued: Int = 10_000,
                    maxQueuedPerClient: Int? = nil, maxAttempts: Int = 3, fallbackReason: String? = nil,
                    costModel: CostModel = .seed(unitMs: 1)) {
            self.socketPath = socketPath
            self.workerPath = workerPath
            self.controlPath = controlPath
            self.maxQueued = maxQueued
            self.maxQueuedPerClient = maxQueuedPerClient
            self.maxAttempts = maxAttempts
            self.fallbackReason = fallbackReason
            self.costModel = costModel
        }
    }

    /// A request held until its answer went back.
    private struct Pending {
        var connection: ObjectIdentifier
        var requestID: UInt64
        var payload: [UInt8]
        var acceptedNs: Int64
        /// Backend crashes this request was part of (see `LossVerdicts`).
        var strikes = 0
    }

    private let reactor: Reactor
    private let core: SchedulingCore
    private let configuration: Configuration
    private var logger: Logger
    private var server: LinkListener?
    private var control: ControlLink?
    private var worker: MessageLink?
    private var workerReady = false
    private var reconnectDelayMs: UInt64 = SchedulerServer.firstReconnectMs
    private var reconnectTimer: ReactorTimer?
    /// Lost batches waiting for the supervisor's word on how the worker died.
    private var verdicts = LossVerdicts()
    private var verdictTimer: ReactorTimer?
    /// After a `busy` answer, no dispatch before this time (no hot loop).
    private var pausedUntilNs: Int64 = 0
    private var wakeTimer: ReactorTimer?
    private var wakeAtNs: Int64?
    private var ingress: [ObjectIdentifier: MessageLink] = [:]
    private var byRequest: [ObjectIdentifier: [UInt64: ItemID]] = [:]
    private var pending: [ItemID: Pending] = [:]
    private var nextConnection = 1
    private var draining = false
    private var reportedReady = false
    private var drainRate = DrainRate()
    /// Status goes to ingress at most 10 times a second, metrics once, and only after a change.
    private var statusReport: CoalescingTimer?
    private let metrics = SchedulerMetrics()
    private var metricsReport: CoalescingTimer?
    /// The worker's latest samples, passed on to ingress with ours.
    private var workerMetrics: [UInt8] = []
    /// Runs once when the scheduler has finished (drained, or lost its supervisor).
    public var onFinished: ((Int32) -> Void)?

    public init(reactor: Reactor, strategy: any SchedulingStrategy, configuration: Configuration, logger: Logger) {
        self.reactor = reactor
        self.configuration = configuration
        self.logger = logger
        core = SchedulingCore(strategy: strategy, configuration: .init(maxQueued: configuration.maxQueued,
                                                                       maxQueuedPerClient: configuration.maxQueuedPerClient,
                                                                       costModel: configuration.costModel))
        core.onRefusedAnswer = { [logger, metrics] line in
            logger.warning("\(line)")
            metrics.fallbacks.increment()
        }
        core.onStrategyReplaced = { [logger] reason in logger.error("\(reason)") }
        if let reason = configuration.fallbackReason {
            core.replaceStrategy(reason: reason, now: reactor.nowNanoseconds)
        }
    }

    /// Listens for ingress, connects to the worker, and reports ready to the
    /// supervisor once the worker announced its capacity.
    public func start() throws {
        wakeTimer = reactor.makeTimer()
        reconnectTimer = reactor.makeTimer()
        verdictTimer = reactor.makeTimer()
        statusReport = CoalescingTimer(reactor: reactor, delayMilliseconds: 100) { [unowned self] in
            let message = self.statusMessage
            for connection in self.ingress.values { connection.send(message) }
        }
        metricsReport = CoalescingTimer(reactor: reactor, delayMilliseconds: 1_000) { [unowned self] in
            let message = Message.metrics(source: "scheduler", text: self.metrics.render())
            for connection in self.ingress.values { connection.send(message) }
        }
        let server = try reactor.listen(at: configuration.socketPath, label: "ingress") { [unowned self] link in
            self.acceptIngress(link)
        }
        self.server = server
        logger.info("listening on \(configuration.socketPath); strategy \(core.strategy.name)\(core.fallbackReason.map { " (\($0))" } ?? "")")
        connectWorker()
        if let controlPath = configuration.controlPath {
            ControlLink.connect(reactor: reactor, address: controlPath, role: .scheduler,
                                onDrain: { [unowned self] in self.drain() },
                                onFatal: { [unowned self] reason in self.logger.error("\(reason); exiting"); self.finish(status: 1) },
                                onChildExited: { [unowned self] role, crashed, detail in
                                    guard role == "worker" else { return }
                                    self.workerVerdict(crashed: crashed, detail: detail)
                                },
                                connected: { [unowned self] link in self.control = link; self.reportReadyIfPossible() })
        }
    }

    private func reportReadyIfPossible() {
        guard !reportedReady, workerReady, let control else { return }
        reportedReady = true
        control.sendReady()
    }

    // MARK: - Worker link

    private func connectWorker() {
        // While draining, the worker is still needed for what is queued or lost.
        guard !draining || core.queuedCount > 0 || core.inFlightCount > 0 else { return }
        reactor.connect(to: configuration.workerPath, label: "worker") { [unowned self] result in
            let link: MessageLink
            switch result {
            case let .failure(error): self.retryWorker(after: error.description); return
            case let .success(l): link = l
            }
            self.reconnectDelayMs = Self.firstReconnectMs
            self.worker = link
            link.start(onMessage: { [unowned self] message in
                self.handleWorker(message)
            }, onEnd: { [unowned self] reason in
                self.workerLost(reason)
            })
            link.send(Handshake.hello(from: .scheduler))
        }
    }

    /// The worker is usually back within a hundred milliseconds of a crash
    /// (the supervisor restarts it at once), and a connect on a Unix socket
    /// costs microseconds: retry soon and often rather than back off far.
    static let firstReconnectMs: UInt64 = 5
    static let maxReconnectMs: UInt64 = 100

    private func retryWorker(after reason: String) {
        logger.debug("worker not reachable (\(reason)); retrying in \(reconnectDelayMs) ms")
        reconnectTimer?.start(afterMilliseconds: reconnectDelayMs) { [unowned self] in self.connectWorker() }
        reconnectDelayMs = min(reconnectDelayMs * 2, Self.maxReconnectMs)
    }

    private func handleWorker(_ message: Message) {
        switch message {
        case .hello:
            if case let .failure(error) = Handshake.confirm(message, expected: .worker) {
                logger.error("worker link refused: \(error)")
                worker?.close()
            }
        case let .capacity(batchLimit, slots):
            core.setCapacity(batchLimit: Int(batchLimit), slots: Int(slots))
            workerReady = true
            logger.info("worker ready: batch limit \(batchLimit), \(slots) slot(s)")
            broadcastCapacity()
            reportReadyIfPossible()
            pump()
        case let .batchResult(result):
            completed(result)
        case let .metrics(_, text):
            // Passed on at once: the worker already sends at most once a second.
            workerMetrics = text
            for connection in ingress.values { connection.send(message) }
        default:
            logger.warning("worker sent an unexpected \(message.kindName); ignored")
        }
    }

    /// What ingress is told about the backend: its limits, and 0 slots while
    /// no worker is connected (so `/readyz` can say so).
    private var capacityMessage: Message {
        .capacity(batchLimit: UInt32(core.configuration.batchLimit), slots: workerReady ? UInt32(core.configuration.slots) : 0)
    }

    private func broadcastCapacity() {
        let message = capacityMessage
        for connection in ingress.values { connection.send(message) }
    }

    private var statusMessage: Message {
        .status(SchedulerStatus(queued: UInt32(core.queuedCount), inFlight: UInt32(core.inFlightCount),
                                highWater: UInt32(core.highWater), maxQueued: UInt32(configuration.maxQueued),
                                drainPerS: UInt32(drainRate.perSecond(now: reactor.nowNanoseconds).rounded()),
                                strategy: core.strategy.name, degraded: core.fallbackReason ?? ""))
    }

    /// Ours and the worker's latest, for a newly connected ingress.
    private var metricsMessages: [Message] {
        [.metrics(source: "scheduler", text: metrics.render())] + (workerMetrics.isEmpty ? [] : [.metrics(source: "worker", text: workerMetrics)])
    }

    private func workerLost(_ reason: LinkEnd) {
        worker = nil
        workerReady = false
        broadcastCapacity()
        let now = reactor.nowNanoseconds
        let judging = verdicts.judging
        let lost = core.inFlightBatches.keys.filter { !judging.contains($0) }.sorted()
        if !lost.isEmpty {
            metrics.call(.lost, count: lost.count)
            metricsReport?.poke()
        }
        if !draining || !lost.isEmpty {
            logger.warning("worker connection lost (\(reason)); \(lost.count) batch(es) in flight")
        }
        if control == nil {
            judge(LossVerdicts.Loss(batches: lost, atNs: now), crashed: true, now: now)  // no supervisor to ask: assume the worst
        } else if let crashed = verdicts.lost(lost, now: now) {
            judge(LossVerdicts.Loss(batches: lost, atNs: now), crashed: crashed, now: now)
        } else {
            armVerdictTimer(now: now)
        }
        retryWorker(after: reason.description)
        pump()
    }

    /// The supervisor's word on the worker's death.
    private func workerVerdict(crashed: Bool, detail: String) {
        let now = reactor.nowNanoseconds
        logger.info("the worker \(detail): \(crashed ? "its calls count against their items" : "killed from outside, no item is to blame")")
        if let loss = verdicts.verdict(crashed: crashed, now: now) {
            judge(loss, crashed: crashed, now: now)
            armVerdictTimer(now: now)
            pump()
        }
    }

    private func armVerdictTimer(now: Int64) {
        guard let due = verdicts.nextDeadlineNs else { verdictTimer?.stop(); return }
        verdictTimer?.start(afterMilliseconds: UInt64(max(0, (due - now + 999_999) / 1_000_000))) { [unowned self] in
            let now = reactor.nowNanoseconds
            for loss in self.verdicts.overdue(now: now) {
                self.logger.warning("no word from the supervisor on how the worker died; counting the loss of \(loss.batches.count) batch(es) as a crash")
                self.judge(loss, crashed: true, now: now)
            }
            self.armVerdictTimer(now: now)
            self.pump()
        }
    }

    /// Puts a lost call's items back in the queue, ahead of newer work. After
    /// a crash each item runs alone next time (one poison item must not fail
    /// the others again) and the crash counts against every item of the call;
    /// an item in `maxAttempts` crashes is given up. A kill from outside
    /// costs no item anything.
    private func judge(_ loss: LossVerdicts.Loss, crashed: Bool, now: Int64) {
        for batchID in loss.batches {
            guard let ids = core.requeue(batchID: batchID, now: now, isolate: crashed), crashed else { continue }
            for id in ids {
                pending[id]?.strikes += 1
                guard let p = pending[id], p.strikes >= configuration.maxAttempts, core.cancel(id, now: now) else { continue }
                answer(id, status: .failed, body: "backend worker died during the call \(p.strikes) times; giving up")
            }
        }
        finishIfDrained()
    }

    private func completed(_ result: BatchResult) {
        let now = reactor.nowNanoseconds
        if !result.outcomes.isEmpty && result.outcomes.allSatisfy({ $0.status == .busy }) {
            // The worker has no free slot for this call: not now, never the client's failure.
            let body = String(decoding: result.outcomes[0].body, as: UTF8.self)
            guard core.requeue(batchID: result.batchID, now: now) != nil else { return }
            logger.warning("worker refused batch \(result.batchID) as busy (\(body)); queued again")
            pausedUntilNs = now + 20_000_000
            armWake(pausedUntilNs, now: now)
            return
        }
        let success = result.outcomes.allSatisfy { $0.status == .ok }
        guard let ids = core.complete(batchID: result.batchID, success: success, serviceNs: Int64(result.serviceNs), now: now) else {
            logger.warning("worker answered unknown batch \(result.batchID); ignored")
            return
        }
        drainRate.record(ids.count, now: now)
        metrics.call(success ? .ok : .failed)
        metrics.callDuration.recordNanoseconds(Int64(clamping: result.serviceNs))
        metricsReport?.poke()
        if ids.count != result.outcomes.count {
            logger.error("worker answered batch \(result.batchID) with \(result.outcomes.count) outcomes for \(ids.count) items")
        }
        for (index, id) in ids.enumerated() {
            if index < result.outcomes.count {
                let o = result.outcomes[index]
                answer(id, status: o.status, bytes: o.body)
            } else {
                answer(id, status: .failed, body: "backend gave no answer for this item")
            }
        }
        pump()
    }

    // MARK: - Ingress

    private func acceptIngress(_ connection: MessageLink) {
        guard !draining else { connection.close(); return }
        connection.label = "ingress#\(nextConnection)"
        nextConnection += 1
        let key = ObjectIdentifier(connection)
        ingress[key] = connection
        byRequest[key] = [:]
        connection.start(onMessage: { [unowned self, unowned connection] message in
            self.handleIngress(message, from: connection, key: key)
        }, onEnd: { [unowned self] reason in
            self.ingressLost(key, label: connection.label, reason: reason)
        })
    }

    private func handleIngress(_ message: Message, from connection: MessageLink, key: ObjectIdentifier) {
        switch message {
        case .hello:
            if case let .failure(error) = Handshake.accept(message, allowed: [.ingress]) {
                logger.error("\(connection.label): \(error); closing")
                connection.close()
                return
            }
            connection.send([Handshake.hello(from: .scheduler), capacityMessage, statusMessage] + metricsMessages)
        case let .submit(submit):
            accept(submit, from: connection, key: key)
        case let .cancel(requestID):
            if let id = byRequest[key]?[requestID], core.cancel(id, now: reactor.nowNanoseconds) {
                pending[id] = nil
                byRequest[key]?[requestID] = nil
            }
        default:
            logger.warning("\(connection.label) sent an unexpected \(message.kindName); ignored")
        }
    }

    private func accept(_ submit: Submit, from connection: MessageLink, key: ObjectIdentifier) {
        if byRequest[key]?[submit.id] != nil { return }  // a resubmission of what we hold: idempotent
        if draining {
            connection.send(.result(RequestResult(id: submit.id, status: .unavailable, body: Array("scheduler is shutting down".utf8))))
            return
        }
        let now = reactor.nowNanoseconds
        let deadline = submit.timeoutMs > 0 ? now + Int64(submit.timeoutMs) * 1_000_000 : timeNever
        guard let id = core.enqueue(client: submit.client, priority: submit.priority, cost: submit.cost, deadlineNs: deadline, now: now) else {
            connection.send(.result(RequestResult(id: submit.id, status: .rejected, retryAfterMs: retryAfterMs(now: now),
                                                  body: Array(core.lastRefusal.utf8))))
            return
        }
        pending[id] = Pending(connection: key, requestID: submit.id, payload: submit.payload, acceptedNs: now)
        byRequest[key]?[submit.id] = id
        pump()
    }

    private func ingressLost(_ key: ObjectIdentifier, label: String, reason: LinkEnd) {
        ingress[key] = nil
        let now = reactor.nowNanoseconds
        // Queued work for a connection that is gone would run for nobody.
        var cancelled = 0
        for (_, id) in byRequest[key] ?? [:] where core.cancel(id, now: now) {
            pending[id] = nil
            cancelled += 1
        }
        byRequest[key] = nil
        if case .closedLocally = reason {} else {
            logger.info("\(label) disconnected (\(reason)); \(cancelled) queued request(s) cancelled")
        }
        finishIfDrained()
    }

    // MARK: - Scheduling

    /// When the queue will have drained enough to take more, from the recent
    /// drain rate: queued ÷ answered-per-second, between 1 s and 60 s.
    private func retryAfterMs(now: Int64) -> UInt32 {
        let rate = drainRate.perSecond(now: now)
        guard rate > 0 else { return 1_000 }
        return UInt32(min(60_000, max(1_000, Double(core.queuedCount) / rate * 1_000)))
    }

    /// Asks the core for batches and sends them; arms the wake-up timer.
    private func pump() {
        defer { statusReport?.poke() }
        let now = reactor.nowNanoseconds
        guard workerReady, let worker, now >= pausedUntilNs else {
            // No dispatch now, but deadlines still win: expired requests are answered at once.
            let (expired, next) = core.expireDue(now: now)
            for id in expired { answer(id, status: .expired, body: "deadline passed while queued; never sent to the backend") }
            let paused: Int64? = workerReady && now < pausedUntilNs ? pausedUntilNs : nil
            armWake([paused, next].compactMap { $0 }.min(), now: now)
            finishIfDrained()
            return
        }
        // Timed only when the strategy is asked: an idle or full backend is no decision.
        let decides = core.queuedCount > 0 && core.freeSlots > 0
        let outcome = core.schedule(now: now)
        if decides { metrics.decision.recordNanoseconds(reactor.nowNanoseconds - now) }
        for id in outcome.expired {
            answer(id, status: .expired, body: "deadline passed while queued; never sent to the backend")
        }
        var frames: [Message] = []
        for dispatch in outcome.dispatches {
            var items: [Batch.Item] = []
            items.reserveCapacity(dispatch.ids.count)
            for id in dispatch.ids {
                if let p = pending[id] {
                    metrics.queueWait.recordNanoseconds(now - p.acceptedNs)
                    items.append(.init(id: id, payload: p.payload))
                } else {
                    items.append(.init(id: id, payload: []))
                }
            }
            metrics.batchSize.record(Double(items.count))
            frames.append(.batch(Batch(batchID: dispatch.batchID, items: items)))
        }
        if !outcome.dispatches.isEmpty { metricsReport?.poke() }
        worker.send(frames)
        armWake(outcome.wakeAtNs, now: now)
        finishIfDrained()
    }

    private func armWake(_ wake: Int64?, now: Int64) {
        guard wake != wakeAtNs else { return }
        wakeAtNs = wake
        guard let wake else { wakeTimer?.stop(); return }
        // libuv timers count whole milliseconds; round up so we are never early.
        let ms = UInt64(max(0, (wake - now + 999_999) / 1_000_000))
        wakeTimer?.start(afterMilliseconds: ms) { [unowned self] in
            self.wakeAtNs = nil
            self.pump()
        }
    }

    private func answer(_ id: ItemID, status: Status, body: String) {
        answer(id, status: status, bytes: Array(body.utf8))
    }

    private func answer(_ id: ItemID, status: Status, bytes: [UInt8]) {
        guard let p = pending.removeValue(forKey: id) else { return }
        byRequest[p.connection]?[p.requestID] = nil
        ingress[p.connection]?.send(.result(RequestResult(id: p.requestID, status: status, body: bytes)))
    }

    // MARK: - Shutdown

    /// Stops accepting new ingress connections; finishes once nothing is
    /// queued or in flight.
    public func drain() {
        guard !draining else { return }
        draining = true
        logger.info("draining: \(core.queuedCount) queued, \(core.inFlightCount) in flight")
        server?.close()
        server = nil
        finishIfDrained()
    }

    private func finishIfDrained() {
        guard draining, core.queuedCount == 0, core.inFlightCount == 0 else { return }
        finish(status: 0)
    }

    private func finish(status: Int32) {
        guard let done = onFinished else { return }
        onFinished = nil
        // Every handle closes here, so the loop ends with none left (the main checks).
        for timer in [wakeTimer, reconnectTimer, verdictTimer] { timer?.close() }
        statusReport?.close()
        metricsReport?.close()
        server?.close()
        worker?.close()
        for link in Array(ingress.values) { link.close() }
        control?.close()
        done(status)
    }
}
