import Link
import Logging
import Wire

/// The scheduler's link to the worker: connects, and while the worker
/// restarts reconnects soon and often; checks the worker's hello; hands on
/// what the worker says.
final class WorkerLink {
    var onCapacity: (_ model: String, _ batchLimit: Int, _ slots: Int) -> Void = { _, _, _ in }
    var onResult: (BatchResult) -> Void = { _ in }
    var onLost: (LinkEnd) -> Void = { _ in }
    /// Asked before each connect: false while nothing needs a worker.
    var wanted: () -> Bool = { true }

    private let reactor: Reactor
    private let address: String
    private let logger: Logger
    private var link: MessageLink?
    private var backoff = Backoff()
    private let retryTimer: ReactorTimer
    /// Connected and a capacity announced.
    private(set) var isReady = false

    init(reactor: Reactor, address: String, logger: Logger) {
        self.reactor = reactor
        self.address = address
        self.logger = logger
        retryTimer = reactor.makeTimer()
    }

    func connect() {
        guard wanted() else { return }
        reactor.connect(to: address, label: "worker") { [unowned self] result in
            let link: MessageLink
            switch result {
            case let .failure(error): self.retry(after: error.description); return
            case let .success(l): link = l
            }
            self.link = link
            link.start(onMessage: { [unowned self] message in
                self.received(message)
            }, onEnd: { [unowned self] reason in
                self.link = nil
                self.isReady = false
                if case .closedLocally = reason { return }  // the scheduler is ending: nothing to mourn or retry
                self.onLost(reason)
                self.retry(after: reason.description)
            })
            link.send(Handshake.hello(from: .scheduler))
        }
    }

    func send(_ frames: [Message]) {
        link?.send(frames)
    }

    func close() {
        retryTimer.close()
        link?.close()
    }

    private func retry(after reason: String) {
        let delay = backoff.next()
        logger.debug("worker not reachable (\(reason)); retrying in \(delay) ms")
        retryTimer.start(afterMilliseconds: delay) { [unowned self] in self.connect() }
    }

    private func received(_ message: Message) {
        switch message {
        case .hello:
            if case let .failure(error) = Handshake.confirm(message, expected: .worker) {
                logger.error("worker link refused: \(error)")
                link?.close()
            } else {
                backoff.reset()  // only a link that got this far was a good one
            }
        case let .capacity(model, batchLimit, slots):
            isReady = true
            logger.info("worker ready: batch limit \(batchLimit), \(slots) slot(s) for model '\(model)'")
            onCapacity(model, Int(batchLimit), Int(slots))
        case let .batchResult(result):
            onResult(result)
        default:
            logger.warning("worker sent an unexpected \(message.kindName); ignored")
        }
    }
}
