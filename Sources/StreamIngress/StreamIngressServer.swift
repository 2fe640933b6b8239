import Link
import LibUV
import Logging
import Wire

/// The stream ingress process's logic: one `StreamReader` per configured
/// stream, one link to the scheduler (said hello to as `streamer`, so the
/// scheduler treats it as it treats the HTTP ingress), the control link to
/// the supervisor.
///
/// Requests it submitted are held until answered; when the scheduler link is
/// lost it reconnects with backoff and submits them again (the ids make that
/// safe, as in the HTTP ingress). On `drain` it stops reading and finishes
/// once every entry in flight is answered and acknowledged.
public final class StreamIngressServer: RequestSink {
    public struct Configuration {
        public var streams: [StreamConfig]
        public var schedulerPath: String
        public var controlPath: String?
        public init(streams: [StreamConfig], schedulerPath: String, controlPath: String?) {
            self.streams = streams
            self.schedulerPath = schedulerPath
            self.controlPath = controlPath
        }
    }

    private let loop: UVLoop
    private let reactor: Reactor
    private let configuration: Configuration
    private let logger: Logger
    private var readers: [StreamReader] = []
    private var scheduler: MessageLink?
    private var greeted = false
    private var control: ControlLink?
    private var nextID: UInt64 = 1
    private var held: [UInt64: (submit: Submit, reader: StreamReader)] = [:]
    private var backoff = Backoff()
    private let reconnectTimer: ReactorTimer
    /// The scheduler has said hello once: the readers run.
    private var started = false
    private var draining = false
    private var finished = false
    private let metrics: StreamMetrics
    private var metricsReport: CoalescingTimer?
    /// Runs once when the process should exit, with its status.
    public var onFinished: ((Int32) -> Void)?

    public init(loop: UVLoop, reactor: Reactor, configuration: Configuration, logger: Logger) {
        self.loop = loop
        self.reactor = reactor
        self.configuration = configuration
        self.logger = logger
        reconnectTimer = reactor.makeTimer()
        metrics = StreamMetrics(streams: configuration.streams)
    }

    public func start() throws {
        let report = CoalescingTimer(reactor: reactor, delayMilliseconds: 1_000) { [unowned self] in
            self.control?.sendMetrics(source: .streamer, text: self.metrics.render())
        }
        metricsReport = report
        readers = try configuration.streams.map { try StreamReader(config: $0, loop: loop, sink: self, metrics: metrics, logger: logger) }
        for reader in readers { reader.onMetricsChange = { report.poke() } }
        connectScheduler()
        guard let controlPath = configuration.controlPath else { return }
        ControlLink.connect(reactor: reactor, address: controlPath, role: .streamer,
                            onDrain: { [unowned self] in self.drain() },
                            onFatal: { [unowned self] reason in self.logger.error("\(reason); exiting"); self.finish(status: 1) },
                            connected: { [unowned self] link in
                                self.control = link
                                link.sendMetrics(source: .streamer, text: self.metrics.render())
                                if self.started { link.sendReady() }
                            })
    }

    // MARK: The scheduler link

    private func connectScheduler() {
        reactor.connect(to: configuration.schedulerPath, label: "scheduler") { [unowned self] result in
            switch result {
            case let .failure(error):
                self.reconnect(after: "scheduler not reachable at \(self.configuration.schedulerPath): \(error)", quiet: true)
            case let .success(link):
                self.scheduler = link
                link.start(onMessage: { [unowned self] message in self.received(message, on: link) },
                           onEnd: { [unowned self] reason in
                               self.scheduler = nil
                               self.greeted = false
                               if self.finished || self.draining && self.held.isEmpty { return }
                               self.reconnect(after: "lost the scheduler (\(reason)); \(self.held.count) request(s) held for resubmission", quiet: false)
                           })
                link.send(Handshake.hello(from: .streamer))
            }
        }
    }

    private func reconnect(after reason: String, quiet: Bool) {
        guard !finished else { return }
        if quiet { logger.debug("\(reason)") } else { logger.warning("\(reason)") }
        reconnectTimer.start(afterMilliseconds: backoff.next()) { [unowned self] in self.connectScheduler() }
    }

    private func received(_ message: Message, on link: MessageLink) {
        switch message {
        case .hello:
            if case let .failure(error) = Handshake.confirm(message, expected: .scheduler) {
                logger.error("scheduler link refused: \(error)")
                link.close()
                return
            }
            greeted = true
            backoff.reset()
            let again = held.keys.sorted().compactMap { held[$0].map { Message.submit($0.submit) } }
            if !again.isEmpty { logger.info("resubmitting \(again.count) request(s) to the scheduler") }
            link.send(again)
            // The first scheduler hello: read the streams, and say ready.
            if !started {
                started = true
                for reader in readers { reader.start() }
                control?.sendReady()
            }
        case let .result(result):
            guard let h = held.removeValue(forKey: result.id) else { return }  // a late duplicate
            h.reader.answered(result.id, result)
        case .capacity, .status:
            break  // the readers' own bound (in_flight) and the scheduler's answers are the backpressure
        default:
            logger.warning("scheduler sent an unexpected \(message.kindName); ignored")
        }
    }

    // MARK: RequestSink

    func submit(_ request: Submit, for reader: StreamReader) -> UInt64 {
        var request = request
        request.id = nextID
        nextID += 1
        held[request.id] = (request, reader)
        if greeted { scheduler?.send(.submit(request)) }
        return request.id
    }

    func withdraw(_ id: UInt64) {
        guard held.removeValue(forKey: id) != nil else { return }
        if greeted { scheduler?.send(.cancel(id: id)) }
    }

    // MARK: Ending

    public func drain() {
        guard !draining else { return }
        draining = true
        logger.info("draining: \(held.count) request(s) in flight")
        var left = readers.count
        if left == 0 { return finish(status: 0) }
        for reader in readers {
            reader.onDrained = { [unowned self] in
                left -= 1
                if left == 0 { self.finish(status: 0) }
            }
            reader.drain()
        }
    }

    private func finish(status: Int32) {
        guard !finished else { return }
        finished = true
        reconnectTimer.close()
        metricsReport?.close()
        scheduler?.close()
        control?.close()
        onFinished?(status)
    }
}
