import LibUV
import Link
import Wire

/// A byte stream (`UVPipe`, `UVTcp`) that speaks Wire frames: decodes what arrives into messages and
/// encodes what is sent. A garbage, truncated or oversized frame closes this
/// connection (and only this one) with the decoder's error as the reason.
public final class FramedConnection: MessageLink {
    /// The underlying stream (a Unix socket or a TCP connection).
    public let stream: any ByteStream
    /// A name for logs ("worker", "ingress#3").
    public var label: String
    private var decoder: FrameDecoder
    private var onMessage: ((Message) -> Void)?
    private var onEnd: ((LinkEnd) -> Void)?
    public private(set) var isOpen = true

    public init(stream: any ByteStream, label: String, maximumFrameSize: UInt32 = FrameDecoder.defaultMaximumFrameSize) {
        self.stream = stream
        self.label = label
        self.decoder = FrameDecoder(maximumFrameSize: maximumFrameSize)
    }

    /// Starts delivering messages. `onEnd` runs once when the connection is
    /// over, whatever the reason, after which nothing more is delivered.
    public func start(onMessage: @escaping (Message) -> Void, onEnd: @escaping (LinkEnd) -> Void) {
        self.onMessage = onMessage
        self.onEnd = onEnd
        do {
            try stream.startReading(onData: { [unowned self] bytes in
                self.received(bytes)
            }, onEnd: { [unowned self] error in
                if let error { self.end(.readFailed("\(error)")) } else {
                    do throws(WireError) { try self.decoder.finish(); self.end(.peerClosed) } catch { self.end(.protocolError(error)) }
                }
            })
        } catch {
            end(.readFailed("\(error)"))
        }
    }

    private func received(_ bytes: UnsafeRawBufferPointer) {
        decoder.append(bytes)
        do throws(WireError) {
            while isOpen, let message = try decoder.next() {
                onMessage?(message)
            }
        } catch {
            end(.protocolError(error))
        }
    }

    /// Sends several messages in one write.
    public func send(_ messages: [Message]) {
        guard isOpen, !messages.isEmpty else { return }
        var buffer: [UInt8] = []
        for m in messages { FrameEncoder.encode(m, into: &buffer) }
        stream.write(buffer)
    }

    public func send(_ message: Message) {
        guard isOpen else { return }
        var buffer: [UInt8] = []
        FrameEncoder.encode(message, into: &buffer)
        stream.write(buffer)
    }

    /// Closes the connection; `onEnd` runs with `.closedLocally`.
    public func close() {
        end(.closedLocally)
    }

    private func end(_ reason: LinkEnd) {
        guard isOpen else { return }
        isOpen = false
        let done = onEnd
        onEnd = nil
        onMessage = nil
        stream.close()
        done?(reason)
    }
}
