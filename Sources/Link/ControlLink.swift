import Wire

/// A child process's connection to the supervisor's control socket.
///
/// The child says `hello(role)` on connect and `ready` once it can serve; the
/// supervisor answers `drain` when the child should finish its work and exit,
/// pings it (answered here, which proves the child's loop is alive), and may
/// tell the scheduler how the worker died. If the supervisor goes away (the
/// link ends), the child must not outlive it: `onFatal` runs.
public final class ControlLink {
    private let link: MessageLink

    /// Connects to `address` and introduces the child as `role`. `onFatal`
    /// runs once if the supervisor cannot be reached or goes away.
    public static func connect(reactor: Reactor, address: String, role: Role,
                               onDrain: @escaping () -> Void,
                               onFatal: @escaping (String) -> Void,
                               onChildExited: ((_ role: String, _ crashed: Bool, _ detail: String) -> Void)? = nil,
                               onMetrics: ((_ source: String, _ text: [UInt8]) -> Void)? = nil,
                               connected: @escaping (ControlLink) -> Void) {
        reactor.connect(to: address, label: "supervisor") { result in
            switch result {
            case let .failure(error):
                onFatal("cannot reach the supervisor: \(error)")
            case let .success(link):
                let control = ControlLink(link: link)
                link.start(onMessage: { [unowned control] message in
                    switch message {
                    case .hello:
                        if case let .failure(error) = Handshake.confirm(message, expected: .supervisor) {
                            onFatal("the control socket answered as something else: \(error)")
                        }
                    case .drain: onDrain()
                    case let .ping(seq): control.link.send(.pong(sequence: seq))
                    case let .childExited(role, crashed, detail): onChildExited?(role, crashed, detail)
                    case let .metrics(source, text): onMetrics?(source, text)
                    default: break
                    }
                }, onEnd: { reason in
                    if case .closedLocally = reason { return }  // the child is ending by itself
                    onFatal("control connection to the supervisor ended: \(reason)")
                })
                link.send(Handshake.hello(from: role))
                connected(control)
            }
        }
    }

    private init(link: MessageLink) {
        self.link = link
    }

    /// Tells the supervisor this child is ready to serve.
    public func sendReady() {
        link.send(.ready)
    }

    /// This process's Prometheus samples: every process's take this one
    /// route, through the supervisor to the ingress's `/metrics`.
    public func sendMetrics(source: Role, text: [UInt8]) {
        link.send(.metrics(source: source.rawValue, text: text))
    }

    public func close() {
        link.close()
    }
}
