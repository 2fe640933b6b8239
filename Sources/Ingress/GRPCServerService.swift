import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Logging
import ServiceLifecycle

/// The gRPC server as a `Service` of the ingress's group: it serves until the
/// group shuts down gracefully, then lets calls in flight finish.
struct GRPCServerService: Service {
    let host: String
    let port: Int
    let services: [any RegistrableRPCService]
    let logger: Logger
    /// Called once it listens.
    let onListening: @Sendable () -> Void

    func run() async throws {
        let transport = HTTP2ServerTransport.Posix(address: .ipv4(host: host, port: port), transportSecurity: .plaintext)
        let server = GRPCServer(transport: transport, services: services)
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask {
                    do { try await server.serve() } catch {
                        throw IngressError.listen("gRPC cannot serve on \(host):\(port) (--grpc-port): \(error)")
                    }
                }
                // Nil or a throw: serve() failed (a port in use), and says why above.
                if let address = try? await server.listeningAddress?.ipv4 {
                    logger.info("gRPC (Open Inference Protocol, grpc.health.v1) listening on \(address.host):\(address.port)")
                    onListening()
                }
            }
        } onGracefulShutdown: {
            server.beginGracefulShutdown()
        }
    }
}
