import Link
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Wire

/// The ingress's control connection to the supervisor: says `hello(ingress)`,
/// then `ready` once the HTTP server listens and the scheduler is connected,
/// answers heartbeats, takes the supervisor's metrics samples; a `drain`
/// from the supervisor starts a graceful stop, and losing the supervisor a
/// quick one (the scheduler and worker die with it).
final class SupervisorLink: Sendable {
    private let channel: Channel
    private let sentReady = NIOLockedValueBox(false)

    private init(channel: Channel) {
        self.channel = channel
    }

    static func connect(path: String, group: EventLoopGroup, logger: Logger,
                        onDrain: @escaping @Sendable () -> Void,
                        onLost: @escaping @Sendable () -> Void,
                        onMetrics: @escaping @Sendable (_ source: String, _ text: [UInt8]) -> Void) async throws -> SupervisorLink {
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.pipeline.addHandler(WireFrameHandler(onMessage: { message in
                    switch message {
                    case .drain: onDrain()
                    case let .ping(seq): channel.send([.pong(sequence: seq)])
                    case let .metrics(source, text): onMetrics(source, text)
                    default: break
                    }
                }, onError: { error in
                    logger.error("supervisor sent a bad frame: \(error)")
                }))
            }
            .connect(unixDomainSocketPath: path).get()
        channel.closeFuture.whenComplete { _ in
            logger.error("control connection to the supervisor closed: the supervisor is gone; stopping")
            onLost()
        }
        channel.send([Handshake.hello(from: .ingress)])
        return SupervisorLink(channel: channel)
    }

    /// Reports ready once; later calls do nothing.
    func sendReady() {
        let first = sentReady.withLockedValue { sent -> Bool in
            defer { sent = true }
            return !sent
        }
        if first { channel.send([.ready]) }
    }
}
