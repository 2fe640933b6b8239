import Wire

/// The receiving side every link shares: messages and an end that arrive
/// before `start` wait for it; the end is told once; nothing is delivered
/// after it. (A listener hands out a link before its owner starts it.)
public final class LinkInbox {
    private var onMessage: ((Message) -> Void)?
    private var onEnd: ((LinkEnd) -> Void)?
    private var early: [Message] = []
    private var endedEarly: LinkEnd?
    /// The end was told (or is waiting for `start`).
    public private(set) var isEnded = false

    public init() {}

    public func start(onMessage: @escaping (Message) -> Void, onEnd: @escaping (LinkEnd) -> Void) {
        let waiting = early
        early.removeAll()
        if let reason = endedEarly {
            // It ended before anyone listened: what came first, then the end.
            endedEarly = nil
            for m in waiting { onMessage(m) }
            onEnd(reason)
            return
        }
        self.onMessage = onMessage
        self.onEnd = onEnd
        for m in waiting where !isEnded { onMessage(m) }
    }

    public func deliver(_ message: Message) {
        guard !isEnded else { return }
        if let onMessage { onMessage(message) } else { early.append(message) }
    }

    public func end(_ reason: LinkEnd) {
        guard !isEnded else { return }
        isEnded = true
        guard let done = onEnd else { endedEarly = reason; return }
        onEnd = nil
        onMessage = nil
        done(reason)
    }
}
