import Crypto
import Wire

/// Who may open a link over TCP: the peers that know the shared secret. Over
/// a Unix socket in the 0700 runtime directory the file system decides; a
/// TCP port is open to the network, so the link proves itself first:
///
///     connecting side            accepting side
///     hello(version, role)  ──▶
///                           ◀──  challenge(32 random bytes)
///     proof(HMAC-SHA256(secret, "ferry-link-1" ‖ role ‖ nonce)) ──▶
///                                checks it (constant time), then hands the
///                                link and the hello to the process's logic
///
/// The logic on both sides sees only its usual hello exchange: the gate
/// wraps the link. A wrong or missing proof closes the link before any
/// other message reaches the logic. (The secret authenticates peers; it does
/// not encrypt the traffic — across untrusted networks run the link over
/// TLS or a private network.) Still to do before TCP is wired into the
/// settings: a deadline for the proof, a small frame cap until it arrives,
/// and the listener proving itself to the connector too.
public enum SecretGate {
    static let context = Array("ferry-link-1".utf8)

    /// The proof a `role` gives for `nonce`.
    public static func proof(secret: [UInt8], role: String, nonce: [UInt8]) -> [UInt8] {
        var message = context
        message += Array(role.utf8)
        message += nonce
        return Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: secret)))
    }

    /// Guards an accepted link: `onAccept` gets it (wrapped) only once the
    /// peer proved it knows `secret`; `onRefused` says why it did not.
    public static func accept(_ link: MessageLink, secret: [UInt8], onAccept: @escaping (MessageLink) -> Void,
                              onRefused: @escaping (String) -> Void) {
        let gated = GatedLink(inner: link)
        var hello: Message?
        var role = ""
        var nonce: [UInt8] = []
        link.start(onMessage: { message in
            switch (hello, message) {
            case (nil, .hello(_, let r)):
                hello = message
                role = r
                var generator = SystemRandomNumberGenerator()
                nonce = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
                link.send(.challenge(nonce: nonce))
            case (let first?, .proof(let mac)) where !nonce.isEmpty:
                let expected = proof(secret: secret, role: role, nonce: nonce)
                guard mac.count == expected.count, zip(mac, expected).reduce(0, { $0 | ($1.0 ^ $1.1) }) == 0 else {
                    onRefused("\(link.label): wrong proof of the shared secret from a peer calling itself '\(role)'; closing")
                    link.close()
                    return
                }
                nonce = []
                gated.open(replaying: first)
                onAccept(gated)
            case (_, _) where nonce.isEmpty && hello != nil:
                gated.deliver(message)  // authenticated: pass through
            default:
                onRefused("\(link.label): \(message.kindName) before proving the shared secret; closing")
                link.close()
            }
        }, onEnd: { reason in gated.ended(reason) })
    }

    /// Wraps a connected link: answers the acceptor's challenge with the
    /// proof for the role its hello names, and passes everything else on.
    public static func connect(_ link: MessageLink, secret: [UInt8]) -> MessageLink {
        let gated = GatedLink(inner: link)
        var role = ""
        gated.watchSent = { message in
            if case let .hello(_, r) = message { role = r }
        }
        link.start(onMessage: { message in
            if case let .challenge(nonce) = message {
                link.send(.proof(mac: proof(secret: secret, role: role, nonce: nonce)))
            } else {
                gated.deliver(message)
            }
        }, onEnd: { reason in gated.ended(reason) })
        gated.open(replaying: nil)
        return gated
    }
}

/// A link whose incoming side the gate feeds: what the process's logic holds.
final class GatedLink: MessageLink {
    private let inner: MessageLink
    private let inbox = LinkInbox()
    /// Until the gate opens, an end is not the logic's business.
    private var isOpened = false
    var watchSent: ((Message) -> Void)?

    init(inner: MessageLink) {
        self.inner = inner
    }

    var label: String {
        get { inner.label }
        set { inner.label = newValue }
    }

    var isOpen: Bool { inner.isOpen }

    func start(onMessage: @escaping (Message) -> Void, onEnd: @escaping (LinkEnd) -> Void) {
        inbox.start(onMessage: onMessage, onEnd: onEnd)
    }

    func send(_ messages: [Message]) {
        for m in messages { watchSent?(m) }
        inner.send(messages)
    }

    func send(_ message: Message) {
        watchSent?(message)
        inner.send(message)
    }

    func close() { inner.close() }

    /// The gate let the peer in; `first` is its hello, for the logic.
    func open(replaying first: Message?) {
        isOpened = true
        if let first { inbox.deliver(first) }
    }

    func deliver(_ message: Message) { inbox.deliver(message) }

    func ended(_ reason: LinkEnd) {
        if isOpened { inbox.end(reason) }
    }
}
