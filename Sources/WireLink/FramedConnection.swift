import LibUV
import Wire

/// A `UVPipe` that speaks Wire frames: decodes what arrives into messages and
/// encodes what is sent. A garbage, truncated or oversized frame closes this
/// connection (and only this one) with the decoder's error as the reason.
public final class FramedConnection {
    /// Why a connection ended.
    public enum EndReason: CustomStringConvertible {
        /// The peer closed the stream cleanly.
        case peerClosed
        /// Reading failed.
        case readFailed(UVError)
        /// The peer sent bytes that are not valid frames.
        case protocolError(WireError)
        /// We closed it.
        case closedLocally

        public var description: String {
            switch self {
            case .peerClosed: "peer closed the connection"
            case let .readFailed(e): "read failed: \(e)"
            case let .protocolError(e): "protocol error: \(e)"
            case .closedLocally: "closed locally"
            }
        }
    }

    /// The underlying stream.
    public let pipe: UVPipe
    /// A name for logs ("worker", "ingress#3").
    public var label: String
    private var decoder: FrameDecoder
    private var onMessage: ((Message) -> Void)?
    private var onEnd: ((EndReason) -> Void)?
    public private(set) var isOpen = true

    public init(pipe: UVPipe, label: String, maximumFrameSize: UInt32 = FrameDecoder.defaultMaximumFrameSize) {
        self.pipe = pipe
        self.label = label
        self.decoder = FrameDecoder(maximumFrameSize: maximumFrameSize)
    }

    /// Starts delivering messages. `onEnd` runs once when the connection is
    /// over, whatever the reason, after which nothing more is delivered.
    public func start(onMessage: @escaping (Message) -> Void, onEnd: @escaping (EndReason) -> Void) {
        self.onMessage = onMessage
        self.onEnd = onEnd
        do {
            try pipe.startReading(onData: { [unowned self] bytes in
                self.received(bytes)
            }, onEnd: { [unowned self] error in
                if let error { self.end(.readFailed(error)) } else {
                    do throws(WireError) { try self.decoder.finish(); self.end(.peerClosed) } catch { self.end(.protocolError(error)) }
                }
            })
        } catch let e as UVError {
            end(.readFailed(e))
        } catch {}
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

    /// Sends one message.
    public func send(_ message: Message) {
        guard isOpen else { return }
        pipe.write(FrameEncoder.encode(message))
    }

    /// Sends several messages in one write.
    public func send(_ messages: [Message]) {
        guard isOpen, !messages.isEmpty else { return }
        var buffer: [UInt8] = []
        for m in messages { FrameEncoder.encode(m, into: &buffer) }
        pipe.write(buffer)
    }

    /// Closes the connection; `onEnd` runs with `.closedLocally`.
    public func close() {
        end(.closedLocally)
    }

    private func end(_ reason: EndReason) {
        guard isOpen else { return }
        isOpen = false
        let done = onEnd
        onEnd = nil
        onMessage = nil
        pipe.close()
        done?(reason)
    }
}
