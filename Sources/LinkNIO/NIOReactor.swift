import Link
import NIOCore
import NIOPosix
import Wire

/// The link layer's reactor on one NIO event loop, for the process whose I/O
/// is NIO's (the ingress): timers are the loop's scheduled tasks, links are
/// channels carrying Wire frames over Unix sockets or, between hosts, TCP
/// (gated by the shared secret, as in `UVReactor`). Every callback runs on
/// `eventLoop`; code on other threads hops there with `execute`.
public final class NIOReactor: Reactor, Sendable {
    public let eventLoop: any EventLoop
    private let secret: [UInt8]?

    public init(eventLoop: any EventLoop, secret: [UInt8]? = nil) {
        self.eventLoop = eventLoop
        self.secret = secret
    }

    public var nowNanoseconds: Int64 { Int64(NIODeadline.now().uptimeNanoseconds) }

    /// Runs `work` on the reactor's loop (now, if already there).
    public func execute(_ work: @escaping @Sendable () -> Void) {
        if eventLoop.inEventLoop { work() } else { eventLoop.execute(work) }
    }

    public func makeTimer() -> ReactorTimer {
        NIOReactorTimer(eventLoop: eventLoop)
    }

    /// Tasks on the loop: NIO runs the tasks queued in a tick after that
    /// tick's reads, before it waits again.
    public func makeDeferredWork() -> DeferredWork {
        NIODeferredWork(eventLoop: eventLoop)
    }

    public func listen(at address: String, label: String, onAccept: @escaping (MessageLink) -> Void) throws -> LinkListener {
        throw LinkError("\(address): the NIO reactor connects; it does not listen (the ingress only opens links)")
    }

    public func connect(to address: String, label: String, completion: @escaping (Result<MessageLink, LinkError>) -> Void) {
        let done = LoopOnly(completion)
        let tcp: (host: String, port: Int)?
        do { tcp = try TCPAddress.parse(address) } catch {
            completion(.failure(error as? LinkError ?? LinkError("\(address): \(error)")))
            return
        }
        var secret: [UInt8] = []
        if tcp != nil {
            guard let s = self.secret, !s.isEmpty else {
                completion(.failure(LinkError("\(address) is a TCP address, and TCP links need a shared secret (none is configured)")))
                return
            }
            secret = s
        }
        let bootstrap = ClientBootstrap(group: eventLoop).channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(ChannelLinkHandler()) }
        }
        let connecting = tcp.map { bootstrap.connect(host: $0.host, port: $0.port) } ?? bootstrap.connect(unixDomainSocketPath: address)
        connecting.whenComplete { [eventLoop, secret] result in
            eventLoop.assertInEventLoop()
            switch result {
            case let .success(channel):
                let handler = try? channel.pipeline.syncOperations.handler(type: ChannelLinkHandler.self)
                let link = ChannelLink(channel: channel, handler: handler!, label: label)
                done.onLoop(.success(tcp == nil ? link : SecretGate.connect(link, secret: secret)))
            case let .failure(error):
                done.onLoop(.failure(LinkError("\(address): \(error)")))
            }
        }
    }
}

/// A timer as a scheduled task on the event loop.
final class NIOReactorTimer: ReactorTimer {
    private let eventLoop: any EventLoop
    private var task: Scheduled<Void>?
    private var generation = 0

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func start(afterMilliseconds milliseconds: UInt64, repeat: UInt64, _ action: @escaping () -> Void) {
        stop()
        generation += 1
        schedule(after: milliseconds, repeat: `repeat`, generation: generation, action: LoopOnly(action))
    }

    private func schedule(after milliseconds: UInt64, repeat: UInt64, generation: Int, action: LoopOnly<() -> Void>) {
        let me = LoopOnly(self)
        task = eventLoop.scheduleTask(in: .milliseconds(Int64(milliseconds))) {
            // A stopped or restarted timer's old task does nothing.
            guard me.onLoop.generation == generation else { return }
            if `repeat` > 0 { me.onLoop.schedule(after: `repeat`, repeat: `repeat`, generation: generation, action: action) }
            action.onLoop()
        }
    }

    func stop() {
        generation += 1
        task?.cancel()
        task = nil
    }

    func close() { stop() }
}

/// `DeferredWork` on a NIO event loop: a task queued with `execute`, which
/// NIO runs after the tick's reads. Used on the loop only.
final class NIODeferredWork: DeferredWork {
    private let eventLoop: any EventLoop
    private var closed = false

    init(eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    func schedule(_ work: @escaping () -> Void) {
        guard !closed else { return }
        let task = LoopOnly((self, work))
        eventLoop.execute {
            let (owner, work) = task.onLoop
            if !owner.closed { work() }
        }
    }

    func close() { closed = true }
}
