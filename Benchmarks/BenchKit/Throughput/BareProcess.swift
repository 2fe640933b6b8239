import Foundation

/// `bench bare-server` started for `bench throughput` on free ports: the
/// server that answers at once. Ready once it prints its `ready` line.
///
final class BareProcess: Sendable {
    let httpPort: Int
    let grpcPort: Int
    let server: LoggedProcess

    init(bench: String) throws {
        httpPort = try FreePort.find()
        grpcPort = try FreePort.find()
        server = try LoggedProcess(name: "bare", executable: bench,
                                   arguments: ["bare-server", "--http-port", "\(httpPort)", "--grpc-port", "\(grpcPort)"])
    }

    deinit { stop() }

    var pid: Int32 { server.pid }
    var log: String { server.log }

    /// Where `face` reaches it: a base URL, or `HOST:PORT` for gRPC.
    func url(for face: LiveProtocol) -> String {
        face == .oipGRPC ? "127.0.0.1:\(grpcPort)" : "http://127.0.0.1:\(httpPort)"
    }

    func waitReady(within seconds: Double = 30) async throws {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if log.contains("ready http=") { return }
            guard server.isRunning else { throw BenchError.live("the bare server exited:\n\(log.suffix(2000))") }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw BenchError.live("the bare server was not ready within \(Int(seconds)) s:\n\(log.suffix(2000))")
    }

    func stop() {
        server.killNow()
        server.removeLog()
    }
}
