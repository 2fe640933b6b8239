import CostModel
import Logging
import Scheduling
import Wire
import Link

/// The scheduler process's logic, on one reactor (a libuv loop in the
/// process, an embedded one in unit tests): accepts ingress
/// connections, keeps each model's queue in its own `ModelLane` (a
/// `SchedulingCore` with its own strategy instance), dispatches a model's
/// batches to the worker whenever that model's backend slot frees or its
/// wake-up comes due, and routes each result back to the connection that
/// submitted it.
///
/// Event-driven throughout: it schedules on each arrival, each completion and
/// each timer the strategy asked for — never by polling. Its rooms:
/// `HeldRequests` (the ingress links and id routing), `WorkerLink`,
/// `SchedulerReports` (status, metrics, Retry-After), `LossVerdicts`,
/// `ModelLane`; this type wires them together and owns dispatch and shutdown.
public final class SchedulerServer {
    /// Where to listen, whom to reach, and the limits to enforce.
    public struct Configuration {
        public var socketPath: String
        public var workerPath: String
        public var controlPath: String?
        /// For the one-model form (`init(reactor:strategy:…)`): most queued
        /// requests; more are answered `rejected`.
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
        /// Where each learning model's calls are kept (`learned-calls-MODEL.json`)
        /// for the next scheduler to resume its law; nil: nowhere.
        public var learnedCallsDirectory: String?

        public init(socketPath: String, workerPath: String, controlPath: String? = nil, maxQueued: Int = 10_000,
                    maxQueuedPerClient: Int? = nil, maxAttempts: Int = 3, fallbackReason: String? = nil,
                    costModel: CostModel = .seed(unitMs: 1), learnedCallsDirectory: String? = nil) {
            self.learnedCallsDirectory = learnedCallsDirectory
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

    /// One model's part of the scheduler's configuration.
    public struct Model {
        public var name: String
        public var strategy: any SchedulingStrategy
        public var maxQueued: Int
        public var maxQueuedPerClient: Int?
        public var costModel: CostModel
        /// How the model's cost law is learned from its calls (nil: `costModel` stays).
        public var learning: CostLearner.Configuration?
        /// Refuse at once a request the cost law predicts would finish after its deadline.
        public var predictiveAdmission: Bool
        /// Calls the worker sends ahead per call running (`Settings.pipeline`):
        /// of the slots it announces, those that wait in the server's queue.
        public var pipeline: Int
        /// What the learned calls are measured on (the backend, what an
        /// item's size counts): kept calls of another source are not resumed.
        public var costSource: String

        public init(name: String, strategy: any SchedulingStrategy, maxQueued: Int = 10_000, maxQueuedPerClient: Int? = nil,
                    costModel: CostModel = .seed(unitMs: 1), learning: CostLearner.Configuration? = nil,
                    predictiveAdmission: Bool = false, pipeline: Int = 0, costSource: String = "") {
            self.pipeline = pipeline
            self.costSource = costSource
            self.name = name
            self.strategy = strategy
            self.maxQueued = maxQueued
            self.maxQueuedPerClient = maxQueuedPerClient
            self.costModel = costModel
            self.learning = learning
            self.predictiveAdmission = predictiveAdmission
        }
    }

    private let reactor: Reactor
    /// In configuration order; a lane's index is its place here.
    private let lanes: [ModelLane]
    private let laneByModel: [String: ModelLane]
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
    /// Keeps the lanes' learned calls at most once a second.
    private var keepTimer: CoalescingTimer?
    /// Runs the decisions due after the requests read together are queued.
    private var decide: DeferredWork?
    private var draining = false
    private var reportedReady = false
    /// Runs once when the scheduler has finished (drained, or lost its supervisor).
    public var onFinished: ((Int32) -> Void)?

    /// A scheduler for `models`, each with its own queue and strategy.
    public init(reactor: Reactor, models: [Model], configuration: Configuration, logger: Logger) {
        precondition(!models.isEmpty, "a scheduler serves at least one model")
        self.reactor = reactor
        self.configuration = configuration
        self.logger = logger
        let metrics = SchedulerMetrics()
        lanes = models.enumerated().map { index, model in
            ModelLane(index: index, configuration: .init(model: model.name, strategy: model.strategy, maxQueued: model.maxQueued,
                                                         maxQueuedPerClient: model.maxQueuedPerClient, costModel: model.costModel,
                                                         learning: model.learning, predictiveAdmission: model.predictiveAdmission,
                                                         pipeline: model.pipeline,
                                                         learnedCallsPath: configuration.learnedCallsDirectory.map { "\($0)/\(LearnedCalls.fileName(model: model.name))" },
                                                         costSource: model.costSource),
                      reactor: reactor, metrics: metrics)
        }
        laneByModel = Dictionary(lanes.map { ($0.model, $0) }, uniquingKeysWith: { first, _ in first })
        self.metrics = metrics
        for lane in lanes {
            let name = lane.logPrefix(among: lanes.count)
            lane.core.onStrategyReplaced = { [logger] reason in logger.error("\(name)\(reason)") }
            if let reason = configuration.fallbackReason {
                lane.core.replaceStrategy(reason: reason, now: reactor.nowNanoseconds)
            }
        }
    }

    /// One model, the seed's `classifier`, with the limits in `configuration`.
    public convenience init(reactor: Reactor, strategy: any SchedulingStrategy, configuration: Configuration, logger: Logger) {
        self.init(reactor: reactor,
                  models: [Model(name: "classifier", strategy: strategy, maxQueued: configuration.maxQueued,
                                 maxQueuedPerClient: configuration.maxQueuedPerClient, costModel: configuration.costModel)],
                  configuration: configuration, logger: logger)
    }

    private let metrics: SchedulerMetrics

    private func lane(of id: UInt64) -> ModelLane? {
        let index = ModelLane.index(of: id)
        return lanes.indices.contains(index) ? lanes[index] : nil
    }

    private var queuedTotal: Int { lanes.reduce(0) { $0 + $1.core.queuedCount } }
    private var inFlightTotal: Int { lanes.reduce(0) { $0 + $1.core.inFlightCount } }

    /// Listens for ingress, connects to the worker, and reports ready to the
    /// supervisor once the worker announced its capacity.
    public func start() throws {
        verdictTimer = reactor.makeTimer()
        let reports = SchedulerReports(reactor: reactor, metrics: metrics, status: { [unowned self] in self.statusMessages },
                                       sendStatus: { [unowned self] messages in self.held.broadcast(messages) },
                                       sendMetrics: { [unowned self] text in self.control?.sendMetrics(source: .scheduler, text: text) })
        self.reports = reports
        keepTimer = CoalescingTimer(reactor: reactor, delayMilliseconds: 1_000) { [unowned self] in self.keepLearning() }
        decide = reactor.makeDeferredWork()
        for lane in lanes {
            let name = lane.logPrefix(among: lanes.count)
            if let (line, problem) = lane.resumeLearning() {
                if problem { logger.warning("\(name)\(line)") } else { logger.info("\(name)\(line)") }
            }
            lane.onWake = { [unowned self, unowned lane] in self.pump(lane) }
            lane.core.onRefusedAnswer = { [logger, metrics = lane.metrics] line in
                logger.warning("\(name)\(line)")
                metrics.fallbacks.increment()
            }
        }
        let worker = WorkerLink(reactor: reactor, address: configuration.workerPath, logger: logger)
        worker.wanted = { [unowned self] in !self.draining || self.queuedTotal > 0 || self.inFlightTotal > 0 }
        worker.onCapacity = { [unowned self] model, limit, slots in
            guard let lane = self.laneByModel[model] else {
                self.logger.error("the worker announced model '\(model)', which this scheduler does not serve (it serves \(self.modelList)); ignored")
                return
            }
            lane.core.setCapacity(batchLimit: limit, slots: slots)
            lane.hasCapacity = true
            self.held.broadcast([lane.capacityMessage(workerReady: true)])
            self.reportReadyIfPossible()
            self.pump(lane)
        }
        worker.onResult = { [unowned self] result in self.completed(result) }
        worker.onLost = { [unowned self] reason in self.workerLost(reason) }
        self.worker = worker
        server = try reactor.listen(at: configuration.socketPath, label: "ingress") { [unowned self] link in
            self.acceptIngress(link)
        }
        let strategies = lanes.map { lane in
            "\(lane.logPrefix(among: lanes.count))strategy \(lane.core.strategy.name)\(lane.core.fallbackReason.map { " (\($0))" } ?? "")"
        }
        logger.info("listening on \(configuration.socketPath); \(strategies.joined(separator: "; "))")
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

    /// Ready once the worker announced every model's backend.
    private func reportReadyIfPossible() {
        guard !reportedReady, workerReady, lanes.allSatisfy(\.hasCapacity), let control else { return }
        reportedReady = true
        control.sendReady()
    }

    private var workerReady: Bool { worker?.isReady ?? false }

    private var modelList: String { lanes.map { "'\($0.model)'" }.joined(separator: ", ") }

    /// What ingress is told about each model's backend.
    private var capacityMessages: [Message] { lanes.map { $0.capacityMessage(workerReady: workerReady) } }

    private var statusMessages: [Message] {
        let now = reactor.nowNanoseconds
        return lanes.map { $0.statusMessage(now: now) }
    }

    // MARK: - Losses and their verdicts

    private func workerLost(_ reason: LinkEnd) {
        for lane in lanes { lane.hasCapacity = false }
        held.broadcast(capacityMessages)
        let now = reactor.nowNanoseconds
        let judging = verdicts.judging
        var lost: [UInt64] = []
        for lane in lanes {
            let mine = lane.core.inFlightBatches.keys.filter { !judging.contains($0) }
            if !mine.isEmpty { lane.metrics.call(.lost, count: mine.count) }
            lost += mine
        }
        lost.sort()
        if !lost.isEmpty { reports?.metricsChanged() }
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
        pumpAll()
    }

    /// The supervisor's word on the worker's death.
    private func workerVerdict(crashed: Bool, detail: String) {
        let now = reactor.nowNanoseconds
        logger.info("the worker \(detail): \(crashed ? "its calls count against their items" : "killed from outside, no item is to blame")")
        if let loss = verdicts.verdict(crashed: crashed, now: now) {
            judge(loss, crashed: crashed, now: now)
            armVerdictTimer(now: now)
            pumpAll()
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
            self.pumpAll()
        }
    }

    /// Puts a lost call's items back in the queue, ahead of newer work. After
    /// a crash each item runs alone next time (one poison item must not fail
    /// the others again) and the crash counts against every item of the call;
    /// an item in `maxAttempts` crashes is given up. A kill from outside
    /// costs no item anything.
    private func judge(_ loss: LossVerdicts.Loss, crashed: Bool, now: Int64) {
        for batchID in loss.batches {
            guard let core = lane(of: batchID)?.core,
                  let ids = core.requeue(batchID: batchID, now: now, isolate: crashed), crashed else { continue }
            for id in ids {
                guard let strikes = held.strike(id), strikes >= configuration.maxAttempts, core.cancel(id, now: now) else { continue }
                held.answer(id, status: .failed, body: "backend worker died during the call \(strikes) times; giving up")
            }
        }
        finishIfDrained()
    }

    private func completed(_ result: BatchResult) {
        let now = reactor.nowNanoseconds
        guard let lane = lane(of: result.batchID) else {
            logger.warning("worker answered unknown batch \(result.batchID); ignored")
            return
        }
        if !result.outcomes.isEmpty && result.outcomes.allSatisfy({ $0.status == .busy }) {
            // The worker has no free slot for this call: not now, never the client's failure.
            let body = String(decoding: result.outcomes[0].body, as: UTF8.self)
            guard lane.core.requeue(batchID: result.batchID, now: now) != nil else { return }
            logger.warning("worker refused batch \(result.batchID) of model '\(lane.model)' as busy (\(body)); queued again")
            lane.pausedUntilNs = now + 20_000_000
            lane.armWake(lane.pausedUntilNs, now: now)
            return
        }
        let success = result.outcomes.allSatisfy { $0.status == .ok }
        // Only a call that ran whole says what the backend's calls cost.
        if success, let sizes = lane.core.sizes(ofBatch: result.batchID), sizes.count == result.outcomes.count {
            lane.learn(sizes: sizes, serviceNs: result.serviceNs, now: now)
            keepTimer?.poke()
        }
        guard let ids = lane.core.complete(batchID: result.batchID, success: success, serviceNs: Int64(result.serviceNs), now: now) else {
            logger.warning("worker answered unknown batch \(result.batchID); ignored")
            return
        }
        lane.drainRate.record(ids.count, now: now)
        lane.metrics.call(success ? .ok : .failed)
        lane.metrics.callDuration.recordNanoseconds(Int64(clamping: result.serviceNs))
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
        pump(lane)
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
            if case let .failure(error) = Handshake.accept(message, allowed: [.ingress, .streamer]) {
                logger.error("\(connection.label): \(error); closing")
                connection.close()
                return
            }
            connection.send([Handshake.hello(from: .scheduler)] + capacityMessages + statusMessages)
        case let .submit(submit):
            accept(submit, from: connection, key: key)
        case let .cancel(requestID):
            if let id = held.item(for: requestID, on: key), lane(of: id)?.core.cancel(id, now: reactor.nowNanoseconds) == true {
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
        guard let lane = laneByModel[submit.model] else {
            connection.send(.result(RequestResult(id: submit.id, status: .invalid,
                                                  body: Array("unknown model '\(submit.model)'; this scheduler serves \(modelList)".utf8))))
            return
        }
        let now = reactor.nowNanoseconds
        let deadline = submit.timeoutMs > 0 ? now + Int64(submit.timeoutMs) * 1_000_000 : timeNever
        let core = lane.core
        if let refusal = lane.admissionRefusal(cost: submit.cost, deadlineNs: deadline, now: now) {
            connection.send(.result(RequestResult(id: submit.id, status: .rejected, retryAfterMs: refusal.retryAfterMs, body: Array(refusal.reason.utf8))))
            return
        }
        guard let id = core.enqueue(client: submit.client, priority: submit.priority, cost: submit.cost, deadlineNs: deadline, now: now) else {
            let retryAfter = SchedulerReports.retryAfterMs(queued: core.queuedCount, perSecond: lane.drainRate.perSecond(now: now))
            connection.send(.result(RequestResult(id: submit.id, status: .rejected, retryAfterMs: retryAfter,
                                                  body: Array(core.lastRefusal.utf8))))
            return
        }
        held.hold(id, request: submit.id, on: key, payload: submit.payload, acceptedNs: now)
        // Not a decision per request: the others read with it join the same
        // one, before the loop next waits. Decided at once, a free slot took
        // each of them alone (2.1 items a call on a zero-cost backend under
        // a closed loop of 64 clients, with batches of 8 allowed).
        guard let decide else { return pump(lane) }
        guard !lane.pumpDue else { return }
        lane.pumpDue = true
        decide.schedule { [unowned self, unowned lane] in
            lane.pumpDue = false
            self.pump(lane)
        }
    }

    private func ingressLost(_ key: HeldRequests.LinkID, label: String, reason: LinkEnd) {
        let now = reactor.nowNanoseconds
        // Queued work for a connection that is gone would run for nobody.
        let cancelled = held.remove(key) { lane(of: $0)?.core.cancel($0, now: now) == true }
        if cancelled > 0 { reports?.statusChanged() }
        if case .closedLocally = reason {} else {
            logger.info("\(label) disconnected (\(reason)); \(cancelled) queued request(s) cancelled")
        }
        finishIfDrained()
    }

    // MARK: - Dispatch

    private func pumpAll() {
        for lane in lanes { pump(lane) }
    }

    /// Asks the lane's core for batches and sends them; arms its wake-up timer.
    private func pump(_ lane: ModelLane) {
        defer { reports?.statusChanged() }
        let now = reactor.nowNanoseconds
        let core = lane.core
        guard workerReady, lane.hasCapacity, let worker, now >= lane.pausedUntilNs else {
            // No dispatch now, but deadlines still win: expired requests are answered at once.
            let (expired, next) = core.expireDue(now: now)
            for id in expired { held.answer(id, status: .expired, body: "deadline passed while queued; never sent to the backend") }
            let paused: Int64? = workerReady && now < lane.pausedUntilNs ? lane.pausedUntilNs : nil
            lane.armWake([paused, next].compactMap { $0 }.min(), now: now)
            finishIfDrained()
            return
        }
        let outcome = core.schedule(now: now)
        // Timed only when the strategy was asked: an idle or full backend is no decision.
        if outcome.askedStrategy { lane.metrics.decision.recordNanoseconds(reactor.nowNanoseconds - now) }
        for id in outcome.expired {
            held.answer(id, status: .expired, body: "deadline passed while queued; never sent to the backend")
        }
        var frames: [Message] = []
        for dispatch in outcome.dispatches {
            var items: [Batch.Item] = []
            items.reserveCapacity(dispatch.ids.count)
            let sizes = core.sizes(ofBatch: dispatch.batchID) ?? []
            for (index, id) in dispatch.ids.enumerated() {
                let h = held[id]
                if let h { lane.metrics.queueWait.recordNanoseconds(now - h.acceptedNs) }
                items.append(.init(id: id, cost: index < sizes.count ? sizes[index] : 0, payload: h?.payload ?? []))
            }
            lane.metrics.batchSize.record(Double(items.count))
            frames.append(.batch(Batch(batchID: dispatch.batchID, model: lane.model, items: items)))
        }
        if !outcome.dispatches.isEmpty { reports?.metricsChanged() }
        worker.send(frames)
        lane.armWake(outcome.wakeAtNs, now: now)
        finishIfDrained()
    }

    // MARK: - Shutdown

    /// Stops accepting new ingress connections; finishes once nothing is
    /// queued or in flight.
    public func drain() {
        guard !draining else { return }
        draining = true
        logger.info("draining: \(queuedTotal) queued, \(inFlightTotal) in flight")
        server?.close()
        server = nil
        finishIfDrained()
    }

    /// Keeps each lane's learned calls that changed; a file that cannot be
    /// written is logged (the law in force is unharmed, only its next life's start).
    private func keepLearning() {
        for lane in lanes {
            if let error = lane.keepLearning() { logger.warning("\(lane.logPrefix(among: lanes.count))\(error)") }
        }
    }

    private func finishIfDrained() {
        guard draining, queuedTotal == 0, inFlightTotal == 0 else { return }
        finish(status: 0)
    }

    private func finish(status: Int32) {
        guard let done = onFinished else { return }
        onFinished = nil
        keepLearning()
        // Every handle closes here, so the loop ends with none left (the main checks).
        keepTimer?.close()
        decide?.close()
        for lane in lanes { lane.close() }
        verdictTimer?.close()
        reports?.close()
        server?.close()
        worker?.close()
        held.closeAll()
        control?.close()
        done(status)
    }
}
