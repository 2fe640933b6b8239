import NIOCore
import Wire

/// Decodes Wire frames on a NIO channel (the ingress's side of the Unix
/// sockets). A bad frame closes the channel: the peer is broken, nothing
/// else is harmed.
final class WireFrameHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private var decoder = FrameDecoder()
    private let onMessage: (Message) -> Void
    private let onError: (WireError) -> Void

    init(onMessage: @escaping (Message) -> Void, onError: @escaping (WireError) -> Void) {
        self.onMessage = onMessage
        self.onError = onError
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        buffer.withUnsafeReadableBytes { decoder.append($0) }
        do throws(WireError) {
            while let message = try decoder.next() { onMessage(message) }
        } catch {
            onError(error)
            context.close(promise: nil)
        }
    }
}

extension Channel {
    /// Encodes and sends messages in one write.
    func send(_ messages: [Message]) {
        var bytes: [UInt8] = []
        for m in messages { FrameEncoder.encode(m, into: &bytes) }
        writeAndFlush(ByteBuffer(bytes: bytes), promise: nil)
    }
}
