import Link
import NIOCore
import Wire

/// A NIO channel as a `MessageLink`: Wire frames decoded on read, encoded on
/// write, one flush per send. Used on the channel's event loop only.
final class ChannelLink: MessageLink {
    var label: String
    private let channel: any Channel
    private let handler: ChannelLinkHandler

    init(channel: any Channel, handler: ChannelLinkHandler, label: String) {
        self.channel = channel
        self.handler = handler
        self.label = label
    }

    var isOpen: Bool { channel.isActive && !handler.ended }

    func start(onMessage: @escaping (Message) -> Void, onEnd: @escaping (LinkEnd) -> Void) {
        handler.start(onMessage: onMessage, onEnd: onEnd)
    }

    func send(_ messages: [Message]) {
        guard isOpen, !messages.isEmpty else { return }
        var bytes: [UInt8] = []
        for m in messages { FrameEncoder.encode(m, into: &bytes) }
        channel.writeAndFlush(ByteBuffer(bytes: bytes), promise: nil)
    }

    func close() {
        handler.closedLocally()
        channel.close(promise: nil)
    }
}

/// Decodes Wire frames and tells the link's owner what arrived and how the
/// channel ended (once), through the shared `LinkInbox`.
final class ChannelLinkHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private var decoder = FrameDecoder()
    private let inbox = LinkInbox()
    var ended: Bool { inbox.isEnded }

    func start(onMessage: @escaping (Message) -> Void, onEnd: @escaping (LinkEnd) -> Void) {
        inbox.start(onMessage: onMessage, onEnd: onEnd)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        buffer.withUnsafeReadableBytes { decoder.append($0) }
        do throws(WireError) {
            while !inbox.isEnded, let message = try decoder.next() { inbox.deliver(message) }
        } catch {
            inbox.end(.protocolError(error))
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        inbox.end(.peerClosed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        inbox.end(.readFailed("\(error)"))
        context.close(promise: nil)
    }

    func closedLocally() {
        inbox.end(.closedLocally)
    }
}
