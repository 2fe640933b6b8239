import Wire

/// Who is at each end of a link: the `role` of the hello message.
public enum Role: String, Sendable, CaseIterable {
    case supervisor, ingress, scheduler, worker
    /// The stream ingress: reads a broker's stream, submits as the ingress does.
    case streamer
}

/// The hello exchange every link starts with, written once. The connecting
/// side sends `hello(version, its role)`; the accepting side checks the
/// version and that the role may connect to it, and answers with its own
/// hello (or closes). Over a Unix socket in the 0700 runtime directory the
/// file system already says who may connect; over TCP `SecretGate` wraps
/// this exchange with a shared-secret proof before any other message.
public enum Handshake {
    /// The connecting side's first message.
    public static func hello(from role: Role) -> Message {
        .hello(version: Message.protocolVersion, role: role.rawValue)
    }

    /// The accepting side's check of a peer's hello: the peer's role, or why
    /// it is refused (the link should be closed, the reason logged).
    public static func accept(_ message: Message, allowed: Set<Role>) -> Result<Role, LinkError> {
        guard case let .hello(version, name) = message else {
            return .failure(LinkError("expected hello, got \(message.kindName)"))
        }
        guard version == Message.protocolVersion else {
            return .failure(LinkError("\(name) speaks protocol \(version), expected \(Message.protocolVersion)"))
        }
        guard let role = Role(rawValue: name), allowed.contains(role) else {
            return .failure(LinkError("a peer calling itself '\(name)' may not connect here (allowed: \(allowed.map(\.rawValue).sorted().joined(separator: ", ")))"))
        }
        return .success(role)
    }

    /// The connecting side's check of the acceptor's answer.
    public static func confirm(_ message: Message, expected: Role) -> Result<Void, LinkError> {
        switch accept(message, allowed: [expected]) {
        case .success: .success(())
        case let .failure(error): .failure(error)
        }
    }
}
