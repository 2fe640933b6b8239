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
/// each timer the strategy asked for — never by polling. Its rooms:
/// `HeldRequests` (the ingress links and id routing), `WorkerLink`,
/// `SchedulerReports` (status, metrics, Retry-After), `LossVerdicts`; this
/// type wires them around the `SchedulingCore` and owns dispatch and shutdown.
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

    private let reactor: Reactor
    private let core: SchedulingCore
    private let configuration: Configuration
    private var logger: Logger
    private var server: LinkListener?
    private var control: ControlLink?
    private let held = HeldRequests()
    private var worker: WorkerLink?
    private var reports: SchedulerReports?
    /// Lost batches waiting for the supervisor's word on how the worker died.
    private var verdicts = LossVerdicts()
    private var verdictTimer: ReactorTimer?
    /// After a `busy` answer, no dispatch before this time (no hot loop).
    private var pausedUntilNs: Int64 = 0
    private var wakeTimer: ReactorTimer?
    private var wakeAtNs: Int64?
    private var draining = false
    private var reportedReady = false
    /// Runs once when the scheduler has finished (drained, or lost its supervisor).
    public var onFinished: ((Int32) -> Void)?

    public init(reactor: Reactor, strategy: any SchedulingStrategy, configuration: Configuration, logger: Logger) {
        self.reactor = reactor
        self.configuration = configuration
        self.logger = logger
        core = SchedulingCore(strategy: strategy, configuration: .init(maxQueued: configuration.maxQueued,
                                                                       maxQueuedPerClient: configuration.maxQueuedPerClient,
                                                                       costModel: configuration.costModel))
        core.onStrategyReplaced = { [logger] reason in logger.error("\(reason)") }
        if let reason = configuration.fallbackReason {
            core.replaceStrategy(reason: reason, now: reactor.nowNanoseconds)
        }
    }

    private var metrics: SchedulerMetrics { reports!.metrics }

    /// Listens for ingress, connects to the worker, and reports ready to the
    /// supervisor once the worker announced its capacity.
    public func start() throws {
        wakeTimer = reactor.makeTimer()
        verdictTimer = reactor.makeTimer()
        let reports = SchedulerReports(reactor: reactor, status: { [unowned self] in self.statusMessage },
                                       sendStatus: { [unowned self] message in self.held.broadcast(message) },
                                       sendMetrics: { [unowned self] text in self.control?.sendMetrics(source: .scheduler, text: text) })
        self.reports = reports
        core.onRefusedAnswer = { [logger, reports] line in
            logger.warning("\(line)")
            reports.metrics.fallbacks.increment()
        }
        let worker = WorkerLink(reactor: reactor, address: configuration.workerPath, logger: logger)
        worker.wanted = { [unowned self] in !self.draining || self.core.queuedCount > 0 || self.core.inFlightCount > 0 }
        worker.onCapacity = { [unowned self] limit, slots in
            self.core.setCapacity(batchLimit: limit, slots: slots)
            self.held.broadcast(self.capacityMessage)
            self.reportReadyIfPossible()
            self.pump()
        }
        worker.onResult = { [unowned self] result in self.completed(result) }
        worker.onLost = { [unowned self] reason in self.workerLost(reason) }
        self.worker = worker
        server = try reactor.listen(at: configuration.socketPath, label: "ingress") { [unowned self] link in
            self.acceptIngress(link)
        }
        logger.info("listening on \(configuration.socketPath); strategy \(core.strategy.name)\(core.fallbackReason.map { " (\($0))" } ?? "")")
        worker.connect()
        if let controlPath = configuration.controlPath {
            ControlLink.connect(reactor: reactor, address: controlPath, role: .scheduler,
                                onDrain: { [unowned self] in self.drain() },
                                onFatal: { [unowned self] reason in self.logger.error("\(reason); exiting"); self.finish(status: 1) },
                                onChildExited: { [unowned self] role, crashed, detail in
                                    guard role == "worker" else { return }
                                    self.workerVerdict(crashed: crashed, detail: detail)
                                },
                                connected: { [unowned self] link in
                                    self.control = link
                                    self.reportReadyIfPossible()
                                    self.reports?.metricsChanged()
                                })
        }
    }

    private func reportReadyIfPossible() {
        guard !reportedReady, worker?.isReady == true, let control else { return }
        reportedReady = true
        control.sendReady()
    }

    private var workerReady: Bool { worker?.isReady ?? false }

    /// What ingress is told about the backend: its limits, and 0 slots while
    /// no worker is connected (so `/readyz` can say so).
    private var capacityMessage: Message {
        .capacity(batchLimit: UInt32(core.configuration.batchLimit), slots: workerReady ? UInt32(core.configuration.slots) : 0)
    }

    private var statusMessage: Message {
        let now = reactor.nowNanoseconds
        return .status(SchedulerStatus(queued: UInt32(core.queuedCount), inFlight: UInt32(core.inFlightCount),
                                       highWater: UInt32(core.highWater), maxQueued: UInt32(configuration.maxQueued),
                                       drainPerS: UInt32((reports?.drainPerSecond(now: now) ?? 0).rounded()),
                                       strategy: core.strategy.name, degraded: core.fallbackReason ?? ""))
    }

    // MARK: - Losses and their verdicts

    private func workerLost(_ reason: LinkEnd) {
        held.broadcast(capacityMessage)
        let now = reactor.nowNanoseconds
        let judging = verdicts.judging
        let lost = core.inFlightBatches.keys.filter { !judging.contains($0) }.sorted()
        if !lost.isEmpty {
            metrics.call(.lost, count: lost.count)
            reports?.metricsChanged()
        }
        if !draining || !lost.isEmpty {
            logger.warning("worker connection lost (\(reason)); \(lost.count) batch(es) in flight")
        }
        // Only a link the worker's side ended can be a death the supervisor will
        // speak of; a protocol error (or no supervisor to ask) is judged a crash at once.
        let peerEnded: Bool
        switch reason {
        case .peerClosed, .readFailed: peerEnded = true
        default: peerEnded = false
        }
        if control == nil || !peerEnded {
            judge(LossVerdicts.Loss(batches: lost, atNs: now), crashed: true, now: now)
        } else if let crashed = verdicts.lost(lost, now: now) {
            judge(LossVerdicts.Loss(batches: lost, atNs: now), crashed: crashed, now: now)
        } else {
            armVerdictTimer(now: now)
        }
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
                guard let strikes = held.strike(id), strikes >= configuration.maxAttempts, core.cancel(id, now: now) else { continue }
                held.answer(id, status: .failed, body: "backend worker died during the call \(strikes) times; giving up")
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
        reports?.answered(ids.count, now: now)
        metrics.call(success ? .ok : .failed)
        metrics.callDuration.recordNanoseconds(Int64(clamping: result.serviceNs))
        reports?.metricsChanged()
        if ids.count != result.outcomes.count {
            logger.error("worker answered batch \(result.batchID) with \(result.outcomes.count) outcomes for \(ids.count) items")
        }
        for (index, id) in ids.enumerated() {
            if index < result.outcomes.count {
                held.answer(id, status: result.outcomes[index].status, bytes: result.outcomes[index].body)
            } else {
                held.answer(id, status: .failed, body: "backend gave no answer for this item")
            }
        }
        pump()
    }

    // MARK: - Ingress

    private func acceptIngress(_ connection: MessageLink) {
        guard !draining else { connection.close(); return }
        let key = held.add(connection)
        connection.start(onMessage: { [unowned self, unowned connection] message in
            self.handleIngress(message, from: connection, key: key)
        }, onEnd: { [unowned self] reason in
            self.ingressLost(key, label: connection.label, reason: reason)
        })
    }

    private func handleIngress(_ message: Message, from connection: MessageLink, key: HeldRequests.LinkID) {
        switch message {
        case .hello:
            if case let .failure(error) = Handshake.accept(message, allowed: [.ingress]) {
                logger.error("\(connection.label): \(error); closing")
                connection.close()
                return
            }
            connection.send([Handshake.hello(from: .scheduler), capacityMessage, statusMessage])
        case let .submit(submit):
            accept(submit, from: connection, key: key)
        case let .cancel(requestID):
            if let id = held.item(for: requestID, on: key), core.cancel(id, now: reactor.nowNanoseconds) {
                held.forget(id)
                reports?.statusChanged()  // the queue is shorter: say so (nothing else may report for a while)
            }
        default:
            logger.warning("\(connection.label) sent an unexpected \(message.kindName); ignored")
        }
    }

    private func accept(_ submit: Submit, from connection: MessageLink, key: HeldRequests.LinkID) {
        if held.item(for: submit.id, on: key) != nil { return }  // a resubmission of what we hold: idempotent
        if draining {
            connection.send(.result(RequestResult(id: submit.id, status: .unavailable, body: Array("scheduler is shutting down".utf8))))
            return
        }
        let now = reactor.nowNanoseconds
        let deadline = submit.timeoutMs > 0 ? now + Int64(submit.timeoutMs) * 1_000_000 : timeNever
        guard let id = core.enqueue(client: submit.client, priority: submit.priority, cost: submit.cost, deadlineNs: deadline, now: now) else {
            let retryAfter = reports?.retryAfterMs(queued: core.queuedCount, now: now) ?? 1_000
            connection.send(.result(RequestResult(id: submit.id, status: .rejected, retryAfterMs: retryAfter,
                                                  body: Array(core.lastRefusal.utf8))))
            return
        }
        held.hold(id, request: submit.id, on: key, payload: submit.payload, acceptedNs: now)
        pump()
    }

    private func ingressLost(_ key: HeldRequests.LinkID, label: String, reason: LinkEnd) {
        let now = reactor.nowNanoseconds
        // Queued work for a connection that is gone would run for nobody.
        let cancelled = held.remove(key) { core.cancel($0, now: now) }
        if cancelled > 0 { reports?.statusChanged() }
        if case .closedLocally = reason {} else {
            logger.info("\(label) disconnected (\(reason)); \(cancelled) queued request(s) cancelled")
        }
        finishIfDrained()
    }

    // MARK: - Dispatch

    /// Asks the core for batches and sends them; arms the wake-up timer.
    private func pump() {
        defer { reports?.statusChanged() }
        let now = reactor.nowNanoseconds
        guard workerReady, let worker, now >= pausedUntilNs else {
            // No dispatch now, but deadlines still win: expired requests are answered at once.
            let (expired, next) = core.expireDue(now: now)
            for id in expired { held.answer(id, status: .expired, body: "deadline passed while queued; never sent to the backend") }
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
            held.answer(id, status: .expired, body: "deadline passed while queued; never sent to the backend")
        }
        var frames: [Message] = []
        for dispatch in outcome.dispatches {
            var items: [Batch.Item] = []
            items.reserveCapacity(dispatch.ids.count)
            for id in dispatch.ids {
                let h = held[id]
                if let h { metrics.queueWait.recordNanoseconds(now - h.acceptedNs) }
                items.append(.init(id: id, payload: h?.payload ?? []))
            }
            metrics.batchSize.record(Double(items.count))
            frames.append(.batch(Batch(batchID: dispatch.batchID, items: items)))
        }
        if !outcome.dispatches.isEmpty { reports?.metricsChanged() }
        worker.send(frames)
        armWake(outcome.wakeAtNs, now: now)
        finishIfDrained()
    }

    private func armWake(_ wake: Int64?, now: Int64) {
        guard wake != wakeAtNs else { return }
        wakeAtNs = wake
        guard let wake else { wakeTimer?.stop(); return }
        // Timers count whole milliseconds; round up so we are never early.
        let ms = UInt64(max(0, (wake - now + 999_999) / 1_000_000))
        wakeTimer?.start(afterMilliseconds: ms) { [unowned self] in
            self.wakeAtNs = nil
            self.pump()
        }
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
        wakeTimer?.close()
        verdictTimer?.close()
        reports?.close()
        server?.close()
        worker?.close()
        held.closeAll()
        control?.close()
        done(status)
    }
}
