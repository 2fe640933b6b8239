import GRPCCore
import GRPCNIOTransportHTTP2Posix
import LoopExecutor
import Logging
import NIOPosix
import ServiceLifecycle

/// The gRPC server as a `Service` of the ingress's group: it serves until the
/// group shuts down gracefully, then lets calls in flight finish.
struct GRPCServerService: Service {
    let host: String
    let port: Int
    let services: [any RegistrableRPCService]
    let logger: Logger
    /// The ingress's one I/O loop: the transport's connections and, through
    /// the executor preference, the handlers run there.
    let loop: MultiThreadedEventLoopGroup
    /// Called once it listens.
    let onListening: @Sendable () -> Void
    /// Called as a graceful stop begins, before the server quiesces.
    let onStopping: @Sendable () -> Void

    /// `--host` as the gRPC transport takes it: an IPv6 literal, or IPv4
    /// (`localhost` is 127.0.0.1, as the HTTP face resolves it).
    static func address(host: String, port: Int) -> GRPCNIOTransportCore.SocketAddress {
        if host.contains(":") { return .ipv6(host: host, port: port) }
        return .ipv4(host: host == "localhost" ? "127.0.0.1" : host, port: port)
    }

    func run() async throws {
        let transport = HTTP2ServerTransport.Posix(address: Self.address(host: host, port: port), transportSecurity: .plaintext,
                                                   config: .defaults { $0.connection.flushCoalescing = nil }, eventLoopGroup: loop)
        let server = GRPCServer(transport: transport, services: services)
        // grpc-swift runs each call in a child task of serve(): they inherit this preference.
        let executor = EventLoopTaskExecutor(eventLoop: loop.next())
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask {
                    do { try await withTaskExecutorPreference(executor) { try await server.serve() } } catch {
                        throw IngressError.listen("gRPC cannot serve on \(host):\(port) (--grpc-port): \(error)")
                    }
                }
                // Nil or a throw: serve() failed (a port in use), and says why above.
                if let address = try? await server.listeningAddress {
                    logger.info("gRPC (Open Inference Protocol, grpc.health.v1) listening on \(address)")
                    onListening()
                }
            }
        } onGracefulShutdown: {
            onStopping()
            server.beginGracefulShutdown()
        }
    }
}
