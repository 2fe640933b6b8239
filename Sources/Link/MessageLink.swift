import Wire

/// One connection that carries Wire messages, whatever is under it: a Unix
/// socket or TCP stream (`LinkUV`), or an in-memory pair for tests
/// (`LinkEmbedded`). A process's logic talks to its peers only through this,
/// so it runs unchanged over any transport — the swift-nio split of
/// `NIOCore` (what a protocol needs) from `NIOPosix` (the I/O).
public protocol MessageLink: AnyObject {
    /// A name for logs ("worker", "ingress#3").
    var label: String { get set }
    /// False once the link ended; sends are then dropped.
    var isOpen: Bool { get }
    /// Starts delivering messages. `onEnd` runs once when the link is over,
    /// whatever the reason; nothing is delivered after it.
    func start(onMessage: @escaping (Message) -> Void, onEnd: @escaping (LinkEnd) -> Void)
    /// Sends these messages, in order (one write where the transport can).
    func send(_ messages: [Message])
    /// Sends one message. A requirement (with a default) so a transport can
    /// skip the one-element array on the answer path.
    func send(_ message: Message)
    /// Ends the link; `onEnd` runs with `.closedLocally`.
    func close()
}

extension MessageLink {
    public func send(_ message: Message) { send([message]) }
}

/// Why a link ended.
public enum LinkEnd: CustomStringConvertible, Sendable {
    /// The peer closed the stream cleanly.
    case peerClosed
    /// Reading failed (the transport's words).
    case readFailed(String)
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
