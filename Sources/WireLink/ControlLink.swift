import LibUV
import Wire

/// A child process's connection to the supervisor's control socket.
///
/// The child says `hello(role)` on connect and `ready` once it can serve; the
/// supervisor answers `drain` when the child should finish its work and exit.
/// If the supervisor goes away (the socket closes), the child must not outlive
/// it: `onLost` runs, and the child should exit.
public final class ControlLink {
    private let connection: FramedConnection
    private let role: String

    /// Connects to `path` and introduces the child as `role`. `onFatal` runs
    /// once if the supervisor cannot be reached or goes away: the child
    /// should then exit, as it must not outlive its supervisor.
    public static func connect(loop: UVLoop, path: String, role: String,
                               onDrain: @escaping () -> Void,
                               onFatal: @escaping (String) -> Void,
                               onChildExited: ((_ role: String, _ crashed: Bool, _ detail: String) -> Void)? = nil,
                               connected: @escaping (ControlLink) -> Void) {
        do {
            let pipe = try UVPipe(loop: loop)
            pipe.connect(path: path) { error in
                if let error {
                    pipe.close()
                    onFatal("cannot reach the supervisor: \(error)")
                    return
                }
                let link = ControlLink(connection: FramedConnection(pipe: pipe, label: "supervisor"), role: role)
                link.connection.start(onMessage: { [unowned link] message in
                    switch message {
                    case .drain: onDrain()
                    case let .ping(seq): link.connection.send(.pong(sequence: seq))  // proves this loop is alive
                    case let .childExited(role, crashed, detail): onChildExited?(role, crashed, detail)
                    default: break
                    }
                }, onEnd: { reason in
                    onFatal("control connection to the supervisor ended: \(reason)")
                })
                link.connection.send(.hello(version: Message.protocolVersion, role: role))
                connected(link)
            }
        } catch {
            onFatal("cannot reach the supervisor: \(error)")
        }
    }

    private init(connection: FramedConnection, role: String) {
        self.connection = connection
        self.role = role
    }

    /// Tells the supervisor this child is ready to serve.
    public func sendReady() {
        connection.send(.ready)
    }

    public func close() {
        connection.close()
    }
}
