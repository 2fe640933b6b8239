import EventLoop
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

    /// Connects to `path` and introduces the child as `role`.
    public static func connect(loop: Loop, path: String, role: String,
                               onDrain: @escaping () -> Void,
                               onLost: @escaping (String) -> Void,
                               connected: @escaping (Result<ControlLink, UVError>) -> Void) {
        do {
            let pipe = try Pipe(loop: loop)
            pipe.connect(path: path) { error in
                if let error {
                    pipe.close()
                    connected(.failure(error))
                    return
                }
                let link = ControlLink(connection: FramedConnection(pipe: pipe, label: "supervisor"), role: role)
                link.connection.start(onMessage: { [unowned link] message in
                    switch message {
                    case .drain: onDrain()
                    case let .ping(seq): link.connection.send(.pong(sequence: seq))  // proves this loop is alive
                    default: break
                    }
                }, onEnd: { reason in
                    onLost("control connection to the supervisor ended: \(reason)")
                })
                link.connection.send(.hello(version: Message.protocolVersion, role: role))
                connected(.success(link))
            }
        } catch let e as UVError {
            connected(.failure(e))
        } catch {}
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
