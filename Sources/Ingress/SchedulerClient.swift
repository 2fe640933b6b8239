import Link
import LinkNIO
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ServiceLifecycle
import Wire

/// The ingress's connection to the scheduler, as a `Service`: a `MessageLink`
/// on the ingress's `NIOReactor`, with the link layer's handshake and backoff.
///
/// It holds every submitted request until the scheduler answers for it. If
/// the connection drops (the scheduler restarted), it reconnects with backoff
/// and submits again everything it still holds; the ids make that
/// idempotent, and a late duplicate answer finds no waiter and is dropped.
/// `@unchecked Sendable`: the requests are in `state`, a lock-protected box
/// (handlers on any thread submit); the link is `LoopBound` to the reactor's
/// loop; the callback is set once, before `run()` starts the service.
public final class SchedulerClient: Service, @unchecked Sendable {
    private struct Waiting {
        var submit: Submit
        /// Called once with the answer.
        var answer: @Sendable (RequestResult) -> Void
    }

    private struct State {
        var connected = false
        /// The current link got through the hello (reset the backoff only then).
        var greeted = false
        /// Backend slots the scheduler reports per model; 0 while it has no worker.
        var slots: [String: UInt32] = [:]
        var nextID: UInt64 = 1
        var waiting: [UInt64: Waiting] = [:]
        var stopping = false
        var statuses: [String: SchedulerStatus] = [:]
        /// Frames queued for the link in lock order, sent together by one
        /// task on the loop (one wake-up and one write per batch of frames,
        /// not per request).
        var outbox: [Message] = []
        var flushQueued = false
    }

    private let socketPath: String
    /// The models served, in configuration order.
    public let models: [String]
    private let reactor: NIOReactor
    private let logger: Logger
    private let state = NIOLockedValueBox(State())
    private let link: LoopBound<MessageLink>
    /// Called whenever readiness may have changed.
    var onReadinessChange: (@Sendable () -> Void)?

    public init(socketPath: String, models: [String] = ["classifier"], reactor: NIOReactor, logger: Logger) {
        self.socketPath = socketPath
        self.models = models
        self.reactor = reactor
        self.logger = logger
        link = LoopBound(eventLoop: reactor.eventLoop)
    }

    /// Sends on the link, from any thread (dropped while there is none).
    private func send(_ messages: [Message]) {
        link.with { $0?.send(messages) }
    }

    /// Queues a frame for the link, under the state lock, so frames go out
    /// in the lock's order (a row's `submit` before its `cancel`) whichever
    /// thread queued them. The first frame of a batch asks the loop for one
    /// flush; the ones queued before it runs ride along.
    private func queueInLockOrder(_ message: Message, _ s: inout State) {
        s.outbox.append(message)
        guard !s.flushQueued else { return }
        s.flushQueued = true
        reactor.eventLoop.execute { self.flushOutbox() }
    }

    /// On the loop: sends everything queued, in one write.
    private func flushOutbox() {
        let messages = state.withLockedValue { s -> [Message] in
            s.flushQueued = false
            defer { s.outbox.removeAll(keepingCapacity: true) }
            return s.outbox
        }
        send(messages)
    }

    /// Connected to the scheduler, and the scheduler has a worker for every model.
    public var isReady: Bool {
        state.withLockedValue { s in s.connected && models.allSatisfy { s.slots[$0, default: 0] > 0 } }
    }
    /// Connected, and the worker serves `model`.
    public func isReady(model: String) -> Bool {
        state.withLockedValue { $0.connected && $0.slots[model, default: 0] > 0 }
    }
    /// Connected to the scheduler.
    public var isConnected: Bool { state.withLockedValue { $0.connected } }
    /// The scheduler's latest report on each model's queue, in model order
    /// (a model it has not reported on yet is left out).
    public var statuses: [SchedulerStatus] {
        state.withLockedValue { s in models.compactMap { s.statuses[$0] } }
    }

    /// Submits one request; `answer` is called once, with the scheduler's
    /// answer on the link's loop, or with a withdrawal's or abandonment's on
    /// the thread that made it. Called on the link's loop (the pipeline
    /// routes are), nothing changes threads on the way to the scheduler.
    /// `submitted` learns the request's id before it is sent (to withdraw it,
    /// as a request of several rows does with its other rows once one fails).
    /// The request's id (to `cancel` it), or nil when the ingress is
    /// stopping (`answer` has then been called already).
    @discardableResult
    func submit(model: String, client: String, priority: Int32 = 0, cost: UInt64, timeoutMs: UInt32, payload: [UInt8],
                submitted: (@Sendable (UInt64) -> Void)? = nil,
                answer: @escaping @Sendable (RequestResult) -> Void) -> UInt64? {
        let (sendAfterSubmitted, submit): (Bool, Submit?) = state.withLockedValue { s in
            if s.stopping { return (false, nil) }
            let id = s.nextID
            s.nextID += 1
            let submit = Submit(id: id, model: model, client: client, priority: priority, cost: cost, timeoutMs: timeoutMs, payload: payload)
            s.waiting[id] = Waiting(submit: submit, answer: answer)
            guard s.connected else { return (false, submit) }  // sent with the others on reconnect
            // Nobody to learn the id first: it goes out now, in the same lock.
            guard submitted != nil else {
                queueInLockOrder(.submit(submit), &s)
                return (false, submit)
            }
            return (true, submit)
        }
        guard let submit else {
            answer(RequestResult(id: 0, status: .unavailable, body: Array("ingress is shutting down".utf8)))
            return nil
        }
        submitted?(submit.id)
        // Withdrawn already (by `submitted`): nothing to send. Under the lock:
        // a withdrawal racing with this send queues its cancel after it.
        if sendAfterSubmitted {
            state.withLockedValue { s in
                if s.connected && s.waiting[submit.id] != nil { queueInLockOrder(.submit(submit), &s) }
            }
        }
        return submit.id
    }

    /// Withdraws a request whose client went away (or whose sibling rows
    /// failed, or whose deadline passed: `status` `.expired`); nothing if
    /// already answered. Whether it withdrew it.
    @discardableResult
    func cancel(_ id: UInt64, reason: String = "client went away", status: Status = .unavailable) -> Bool {
        let waiter = state.withLockedValue { s -> Waiting? in
            guard let waiter = s.waiting.removeValue(forKey: id) else { return nil }
            if s.connected { queueInLockOrder(.cancel(id: id), &s) }
            return waiter
        }
        guard let waiter else { return false }
        defer { waiter.answer(RequestResult(id: id, status: status, body: Array(reason.utf8))) }
        return true
    }

    public func run() async throws {
        var backoff = Backoff()
        while !state.withLockedValue({ $0.stopping }) {
            do {
                // Stop on a graceful shutdown, and on cancellation too: the group
                // cancels every service when one fails (a gRPC port in use).
                let stop: @Sendable () -> Void = {
                    self.state.withLockedValue { $0.stopping = true }
                    self.link.with { $0?.close() }
                }
                try await withTaskCancellationHandler {
                    try await withGracefulShutdownHandler {
                        try await self.serveOneLink()
                    } onGracefulShutdown: { stop() }
                } onCancel: { stop() }
                let (held, greeted) = state.withLockedValue { s -> (Int, Bool) in
                    defer { s.greeted = false }
                    s.connected = false
                    s.slots = [:]
                    // Frames for the link that ended: what they submitted is resent from `waiting` on the next hello.
                    s.outbox.removeAll()
                    return (s.waiting.count, s.greeted)
                }
                onReadinessChange?()
                if !state.withLockedValue({ $0.stopping }) {
                    logger.warning("lost the scheduler at \(socketPath); reconnecting, \(held) request(s) held for resubmission")
                }
                // A link that got through the hello was a good one: reconnect at
                // once. One that ended before it waits its turn, as a refused connect.
                if greeted {
                    backoff.reset()
                } else if !state.withLockedValue({ $0.stopping }) {
                    try? await Task.sleep(for: .milliseconds(backoff.next()))
                }
            } catch {
                if state.withLockedValue({ $0.stopping }) { break }
                let delay = backoff.next()
                logger.debug("scheduler not reachable at \(socketPath): \(error); retrying in \(delay) ms")
                try? await Task.sleep(for: .milliseconds(delay))
                if Task.isCancelled || Task.isShuttingDownGracefully { break }
            }
        }
        abandonAll(reason: "ingress stopped before the scheduler answered")
    }

    /// Opens a link to the scheduler and returns when it ends; throws when
    /// the scheduler cannot be reached.
    private func serveOneLink() async throws {
        try await withCheckedThrowingContinuation { (ended: CheckedContinuation<Void, any Error>) in
            reactor.execute {
                self.reactor.connect(to: self.socketPath, label: "scheduler") { result in
                    switch result {
                    case let .failure(error):
                        ended.resume(throwing: error)
                    case let .success(link):
                        self.link.set(link)
                        link.start(onMessage: { message in self.received(message, on: link) }, onEnd: { reason in
                            if case let .protocolError(error) = reason { self.logger.error("scheduler sent a bad frame: \(error); reconnecting") }
                            self.link.set(nil)
                            ended.resume()
                        })
                        link.send(Handshake.hello(from: .ingress))
                        if self.state.withLockedValue({ $0.stopping }) { link.close() }  // shut down while connecting
                    }
                }
            }
        }
    }

    /// On the reactor's loop.
    private func received(_ message: Message, on link: MessageLink) {
        switch message {
        case .hello:
            if case let .failure(error) = Handshake.confirm(message, expected: .scheduler) {
                logger.error("scheduler link refused: \(error)")
                link.close()
                return
            }
            let resend: [Message] = state.withLockedValue { s in
                s.connected = true
                s.greeted = true
                return s.waiting.values.sorted { $0.submit.id < $1.submit.id }.map { .submit($0.submit) }
            }
            if !resend.isEmpty { logger.info("resubmitting \(resend.count) request(s) to the scheduler") }
            link.send(resend)
            onReadinessChange?()
        case let .capacity(model, _, slots):
            state.withLockedValue { $0.slots[model] = slots }
            onReadinessChange?()
        case let .status(status):
            state.withLockedValue { $0.statuses[status.model] = status }
        case let .result(result):
            let waiter = state.withLockedValue { $0.waiting.removeValue(forKey: result.id) }
            waiter?.answer(result)  // none: a late duplicate, dropped
        default:
            logger.warning("scheduler sent an unexpected \(message.kindName); ignored")
        }
    }

    /// Answers every held request `unavailable` with `reason` and stops
    /// reconnecting: no scheduler will answer them.
    func abandonAll(reason: String) {
        let all = state.withLockedValue { s -> [Waiting] in
            s.stopping = true
            defer { s.waiting.removeAll() }
            return Array(s.waiting.values)
        }
        for w in all {
            w.answer(RequestResult(id: w.submit.id, status: .unavailable, body: Array(reason.utf8)))
        }
    }
}
