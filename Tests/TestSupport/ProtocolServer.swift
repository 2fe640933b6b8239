import BenchKit
import Foundation

/// A real model server nobody here wrote (Triton via pytriton, MLServer) or
/// the reference server, started for a test from its script under
/// `Benchmarks/upstream/` on free ports, and stopped with SIGTERM (each
/// cleans up after itself on it) when released.
public final class ProtocolServer: Sendable {
    public let httpPort: Int
    public let grpcPort: Int
    let server: LoggedProcess

    /// `script` gets `arguments`, where `{http}` and `{grpc}` stand for the free ports chosen.
    public init(script: String, _ arguments: [String]) throws {
        let (http, grpc) = (try FreePort.find(), try FreePort.find())
        (httpPort, grpcPort) = (http, grpc)
        server = try .python(name: "upstream", script: Repository.root.appendingPathComponent("Benchmarks/upstream/\(script)").path,
                             arguments: arguments.map { $0.replacingOccurrences(of: "{http}", with: "\(http)").replacingOccurrences(of: "{grpc}", with: "\(grpc)") })
    }

    deinit { stop() }

    public var log: String { server.log }
    public var httpURL: String { "http://127.0.0.1:\(httpPort)" }
    public var grpcURL: String { "grpc://127.0.0.1:\(grpcPort)" }

    /// Waits (bounded) for the line the scripts print once both ports listen: `ready http=… grpc=…`.
    public func waitUntilReady(within seconds: Double = 120) async throws {
        let deadline = ContinuousClock.now + .seconds(seconds)
        // Checked once more after the deadline (a stalled test process must not fail a server that is up).
        while true {
            if log.split(separator: "\n").contains(where: { $0.hasPrefix("ready http=") }) { return }
            guard server.isRunning else {
                throw FerryInstance.Failure(description: "upstream server exited before it was ready (run .ci/install):\n\(log.suffix(3000))")
            }
            if ContinuousClock.now >= deadline { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw FerryInstance.Failure(description: "upstream server not ready within \(Int(seconds)) s:\n\(log.suffix(3000))")
    }

    /// SIGTERM now, then SIGKILL if it has not gone within 30 s. Returns at
    /// once: a graceful stop takes seconds (pytriton stops its tritonserver;
    /// uvicorn waits for idle keep-alive connections), and waiting here — in
    /// a test's `defer`, on one of the test process's two concurrency threads
    /// — stalled every suite running beside it.
    public func stop() {
        guard server.isRunning else { return }
        let server = self.server
        DispatchQueue.global().async { server.terminate(graceSeconds: 30) }
    }
}
