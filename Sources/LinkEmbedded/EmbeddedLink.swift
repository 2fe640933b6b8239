import Link
import Wire

/// One end of an in-memory link: what one end sends, the other receives on
/// the reactor's next `run()`, in order; closing one end ends the other.
/// Messages go through the Wire codec both ways, so what a test sends is
/// exactly what a socket would carry.
public final class EmbeddedLink: MessageLink {
    public var label: String
    public var isOpen: Bool { !inbox.isEnded }
    private unowned let reactor: EmbeddedReactor
    private weak var peer: EmbeddedLink?
    private let inbox = LinkInbox()

    init(reactor: EmbeddedReactor, label: String) {
        self.reactor = reactor
        self.label = label
    }

    static func pair(reactor: EmbeddedReactor, labels: (String, String)) -> (EmbeddedLink, EmbeddedLink) {
        let a = EmbeddedLink(reactor: reactor, label: labels.0), b = EmbeddedLink(reactor: reactor, label: labels.1)
        a.peer = b
        b.peer = a
        return (a, b)
    }

    public func start(onMessage: @escaping (Message) -> Void, onEnd: @escaping (LinkEnd) -> Void) {
        inbox.start(onMessage: onMessage, onEnd: onEnd)
    }

    public func send(_ messages: [Message]) {
        guard isOpen, let peer else { return }
        var bytes: [UInt8] = []
        for m in messages { FrameEncoder.encode(m, into: &bytes) }
        reactor.later { [weak peer] in peer?.receive(bytes) }
    }

    public func close() {
        guard isOpen else { return }
        let other = peer
        inbox.end(.closedLocally)
        reactor.later { [weak other] in other?.inbox.end(.peerClosed) }
    }

    private func receive(_ bytes: [UInt8]) {
        guard isOpen else { return }
        var decoder = FrameDecoder()
        bytes.withUnsafeBytes { decoder.append($0) }
        do throws(WireError) {
            while let m = try decoder.next() {
                inbox.deliver(m)
                guard isOpen else { return }
            }
        } catch {
            inbox.end(.protocolError(error))
        }
    }
}

/// The test's own end of a link: records every message it receives.
public final class EmbeddedPeer {
    public let link: MessageLink
    public private(set) var received: [Message] = []
    public private(set) var ended: LinkEnd?

    init(_ link: MessageLink) {
        self.link = link
        link.start(onMessage: { [unowned self] in self.received.append($0) }, onEnd: { [unowned self] in self.ended = $0 })
    }

    public func send(_ messages: Message...) { link.send(messages) }

    /// Removes and returns what arrived so far.
    public func take() -> [Message] {
        defer { received.removeAll() }
        return received
    }
}

/// Links a test accepted while standing in for a process.
public final class EmbeddedPeerListener {
    public internal(set) var accepted: [EmbeddedPeer] = []
    var listener: LinkListener?

    public func close() { listener?.close() }
}
