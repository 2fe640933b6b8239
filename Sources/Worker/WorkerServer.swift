import CostModel
import Logging
import Wire
import Link

/// The worker process's logic: accepts the scheduler on a Unix socket,
/// announces each model's backend capacity, runs each batch on its model's
/// backend and answers with one outcome per item. It refuses a batch over
/// the backend's limit (never truncates one) or for a model it does not
/// serve, and answers `busy` to a scheduler that sends more batches than the
/// slots it was told of. Each model's backend has its own slots.
public final class WorkerServer {
    /// Where to listen and report.
    public struct Configuration {
        public var socketPath: String
        /// The supervisor's control socket, when supervised.
        public var controlPath: String?
        /// A JSON-lines file recording every backend call.
        public var callLogPath: String?

        public init(socketPath: String, controlPath: String? = nil, callLogPath: String? = nil) {
            (self.socketPath, self.controlPath, self.callLogPath) = (socketPath, controlPath, callLogPath)
        }
    }

    /// One model's backend, by the model's name.
    public struct Served {
        public var model: String
        public var backend: any Backend
        public init(model: String, backend: any Backend) {
            self.model = model
            self.backend = backend
        }
    }

    private let reactor: Reactor
    /// In configuration order (the order capacities are announced).
    private let served: [Served]
    private let backends: [String: any Backend]
    private let configuration: Configuration
    private var logger: Logger
    private var server: LinkListener?
    private var control: ControlLink?
    private var callLog: CallLog?
    private var connections: [Int: MessageLink] = [:]
    /// Calls running per model.
    private var running: [String: Int] = [:]
    /// Per model: when each call began at its server (calls sent ahead wait
    /// there), by the worker's own call number.
    private var serverQueues: [String: ServerQueue] = [:]
    private var nextCall: UInt64 = 0
    /// Calls running per scheduler connection and model (a connection by its
    /// number, never reused: one that is gone may still have calls running,
    /// and a new one may get the old one's address); its scheduler may have
    /// died mid-call.
    private var runningFor: [ConnectionModel: Int] = [:]
    /// Batches waiting for a slot that a departed scheduler's call still holds.
    private var held: [HeldBatch] = []
    private var draining = false
    private var nextConnection = 1
    private let metrics: WorkerMetrics
    /// Metrics go to the supervisor at most once a second, and only after a change.
    private var metricsReport: CoalescingTimer?
    /// Runs once when the worker has finished (drained, or lost its supervisor).
    public var onFinished: ((Int32) -> Void)?

    /// One backend serving the seed's model, `classifier`.
    public convenience init(reactor: Reactor, backend: any Backend, configuration: Configuration, logger: Logger, metrics: WorkerMetrics = WorkerMetrics()) {
        self.init(reactor: reactor, served: [Served(model: "classifier", backend: backend)], configuration: configuration, logger: logger, metrics: metrics)
    }

    /// `metrics` is shared with the backends when they record their own (http).
    public init(reactor: Reactor, served: [Served], configuration: Configuration, logger: Logger, metrics: WorkerMetrics = WorkerMetrics()) {
        precondition(!served.isEmpty, "a worker serves at least one model")
        self.reactor = reactor
        self.served = served
        backends = Dictionary(served.map { ($0.model, $0.backend) }, uniquingKeysWith: { first, _ in first })
        self.configuration = configuration
        self.logger = logger
        self.metrics = metrics
    }

    /// Binds the socket, then reports ready to the supervisor (if any).
    public func start() throws {
        if let path = configuration.callLogPath {
            guard let log = CallLog(path: path) else { throw WorkerError.callLog(path) }
            callLog = log
        }
        metricsReport = CoalescingTimer(reactor: reactor, delayMilliseconds: 1_000) { [unowned self] in
            self.control?.sendMetrics(source: .worker, text: self.metrics.render())
        }
        for s in served { s.backend.onMetricsChange = { [unowned self] in self.metricsReport?.poke() } }
        let server = try reactor.listen(at: configuration.socketPath, label: "scheduler") { [unowned self] link in
            self.accept(link)
        }
        self.server = server
        let models = served.map { s in
            "\(served.count > 1 ? "model \(s.model): " : "")backend \(s.backend.name), batch limit \(s.backend.batchLimit), concurrency \(s.backend.concurrency)"
                + (s.backend.pipeline > 0 ? ", \(s.backend.pipeline) sent ahead per call running" : "")
        }
        logger.info("listening on \(configuration.socketPath); \(models.joined(separator: "; "))")
        guard let controlPath = configuration.controlPath else { return }
        ControlLink.connect(reactor: reactor, address: controlPath, role: .worker,
                            onDrain: { [unowned self] in self.drain() },
                            onFatal: { [unowned self] reason in self.logger.error("\(reason); exiting"); self.finish(status: 1) },
                            connected: { [unowned self] link in
                                self.control = link
                                link.sendReady()
                                link.sendMetrics(source: .worker, text: self.metrics.render())
                            })
    }

    private func accept(_ connection: MessageLink) {
        let key = nextConnection
        nextConnection += 1
        let label = "scheduler#\(key)"
        connection.label = label
        connections[key] = connection
        connection.start(onMessage: { [unowned self, unowned connection] message in
            self.handle(message, from: connection, key: key)
        }, onEnd: { [unowned self] reason in
            self.connections[key] = nil
            let dropped = self.held.count(where: { $0.connection == key })
            self.held.removeAll { $0.connection == key }
            if case .closedLocally = reason { return }
            let orphaned = self.runningFor.filter { $0.key.connection == key }.values.reduce(0, +)
            self.logger.info("\(label) disconnected: \(reason)\(orphaned > 0 ? "; \(orphaned) call(s) of it still running" : "")\(dropped > 0 ? "; \(dropped) held batch(es) dropped" : "")")
        })
    }

    private func handle(_ message: Message, from connection: MessageLink, key: Int) {
        switch message {
        case .hello:
            if case let .failure(error) = Handshake.accept(message, allowed: [.scheduler]) {
                logger.error("\(connection.label): \(error); closing")
                connection.close()
                return
            }
            connection.send([Handshake.hello(from: .worker)] + served.map {
                .capacity(model: $0.model, batchLimit: UInt32($0.backend.batchLimit), slots: UInt32($0.backend.slots))
            })
        case let .batch(batch):
            run(batch, for: connection, key: key)
        default:
            logger.warning("\(connection.label) sent an unexpected \(message.kindName); ignored")
        }
    }

    private func run(_ batch: Batch, for connection: MessageLink, key: Int) {
        if let refusal = refusal(for: batch, from: key) {
            logger.warning("refused batch \(batch.batchID) from \(connection.label): \(refusal.reason)")
            metrics.call(model: batch.model, .refused)
            metricsReport?.poke()
            let outcome = BatchResult.Outcome(status: refusal.status, body: Array(refusal.reason.utf8))
            connection.send(.batchResult(BatchResult(batchID: batch.batchID, serviceNs: 0,
                                                     outcomes: Array(repeating: outcome, count: batch.items.count))))
            return
        }
        let backend = backends[batch.model]!  // refusal() checked it is served
        guard running[batch.model, default: 0] < backend.slots else {
            // The slot this scheduler counts on is still taken by a call made
            // for a scheduler that has gone (it restarted): the backend must
            // not run more than its slots, and the new scheduler did
            // nothing wrong, so the batch waits here for that call to end.
            logger.debug("holding batch \(batch.batchID): \(running) call(s) of a departed scheduler still running")
            held.append(HeldBatch(batch: batch, connection: key))
            return
        }
        start(batch, for: connection, key: key)
    }

    private func start(_ batch: Batch, for connection: MessageLink, key: Int) {
        let slot = ConnectionModel(connection: key, model: batch.model)
        running[batch.model, default: 0] += 1
        runningFor[slot, default: 0] += 1
        let backend = backends[batch.model]!
        let start = reactor.nowNanoseconds
        nextCall += 1
        let call = nextCall
        serverQueues[batch.model, default: ServerQueue(parallel: backend.concurrency)].sent(call, now: start)
        backend.execute(batch.items.map(\.payload)) { [weak self, weak connection] answer in
            guard let self else { return }
            let end = reactor.nowNanoseconds
            let outcomes = answer.outcomes
            // Sent ahead, a call waits in the server's queue first; tried again,
            // it answered from its last try: the scheduler learns from that try's own time.
            let began = max(self.serverQueues[batch.model]!.ended(call, sentNs: start, now: end), start + answer.lastTryAfterNs)
            self.running[batch.model, default: 1] -= 1
            self.runningFor[slot, default: 1] -= 1
            if self.runningFor[slot] == 0 { self.runningFor[slot] = nil }
            let failed = outcomes.filter { $0.status != .ok }.count
            self.callLog?.record(batchID: batch.batchID, model: batch.model, items: batch.items.count, startNs: start, queuedNs: began - start, endNs: end, failed: failed,
                                 keys: batch.items.map { PayloadKey.of($0.payload) }, sizes: batch.items.map(\.cost))
            self.metrics.call(model: batch.model, failed == 0 ? .ok : .failed)
            self.metricsReport?.poke()
            connection?.send(.batchResult(BatchResult(batchID: batch.batchID, serviceNs: UInt64(max(0, end - began)), outcomes: outcomes)))
            self.startHeld(model: batch.model)
            if self.draining && self.runningTotal == 0 && self.held.isEmpty { self.finish(status: 0) }
        }
    }

    private var runningTotal: Int { running.values.reduce(0, +) }

    /// Starts `model`'s held batches while its backend slots are free.
    private func startHeld(model: String) {
        let slots = backends[model]!.slots
        while running[model, default: 0] < slots, let index = held.firstIndex(where: { $0.batch.model == model }) {
            let next = held.remove(at: index)
            guard let connection = connections[next.connection] else { continue }  // its scheduler went away too
            start(next.batch, for: connection, key: next.connection)
        }
    }

    private func refusal(for batch: Batch, from key: Int) -> (status: Status, reason: String)? {
        guard let backend = backends[batch.model] else {
            return (.failed, "this worker serves no model '\(batch.model)' (it serves \(served.map { "'\($0.model)'" }.joined(separator: ", ")))")
        }
        if batch.items.isEmpty { return (.invalid, "empty batch") }
        if batch.items.count > backend.batchLimit {
            return (.invalid, "batch of \(batch.items.count) items exceeds the backend limit of \(backend.batchLimit) for model '\(batch.model)'")
        }
        // Only this scheduler's own calls count: it was told `slots`.
        let own = runningFor[ConnectionModel(connection: key, model: batch.model), default: 0]
            + held.count(where: { $0.connection == key && $0.batch.model == batch.model })
        if own >= backend.slots {
            return (.busy, "backend busy: \(own) calls of this scheduler for model '\(batch.model)' running or waiting, limit \(backend.slots) (concurrency \(backend.concurrency), pipeline \(backend.pipeline))")
        }
        return nil
    }

    /// Stops taking new connections and finishes once running calls are done.
    public func drain() {
        guard !draining else { return }
        draining = true
        logger.info("draining: \(runningTotal) calls running")
        server?.close()
        server = nil
        if runningTotal == 0 && held.isEmpty { finish(status: 0) }
    }

    private func finish(status: Int32) {
        guard let done = onFinished else { return }
        onFinished = nil
        // Every handle closes here, so the loop ends with none left (the main checks).
        metricsReport?.close()
        server?.close()
        for link in Array(connections.values) { link.close() }
        control?.close()
        for s in served { s.backend.close() }
        done(status)
    }
}

/// A scheduler connection's calls for one model.
private struct ConnectionModel: Hashable {
    var connection: Int
    var model: String
}

/// A batch that waits for a backend slot (see `WorkerServer.run`).
private struct HeldBatch {
    var batch: Batch
    var connection: Int
}

/// Why the worker could not start.
public enum WorkerError: Error, CustomStringConvertible {
    case callLog(String)
    public var description: String {
        switch self {
        case let .callLog(path): "cannot open call log \(path) for appending"
        }
    }
}
