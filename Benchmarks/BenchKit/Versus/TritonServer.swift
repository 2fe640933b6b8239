import Foundation

/// One Triton Inference Server (2.51, PyPI's nvidia-pytriton), started by
/// `Benchmarks/upstream/triton_server.py` on free ports for a `bench versus`
/// run and stopped when it ends. Ready once the script prints its `ready`
/// line (every model loaded and answering ready).
///
public final class TritonServer: Sendable {
    public let httpPort: Int
    public let grpcPort: Int
    /// What it was started as, for tables and errors ("dynamic batcher, delay 0 µs").
    public let role: String
    let server: LoggedProcess

    /// Starts `python3 triton_server.py` with `arguments` (ports added here).
    public init(script: String, arguments: [String], role: String) throws {
        httpPort = try FreePort.find()
        grpcPort = try FreePort.find()
        self.role = role
        server = try .python(name: "triton", script: script,
                             arguments: ["--http-port", "\(httpPort)", "--grpc-port", "\(grpcPort)", "--metrics-port", "0"] + arguments)
    }

    deinit { stop() }

    /// `HOST:PORT` of its gRPC face.
    public var grpcAddress: String { "127.0.0.1:\(grpcPort)" }

    /// Its face as an upstream URL for Ferry's worker.
    public func url(_ face: UpstreamFace) -> String {
        switch face {
        case .grpc: "grpc://\(grpcAddress)"
        case .http: "http://127.0.0.1:\(httpPort)"
        }
    }

    public var log: String { server.log }

    /// Waits (bounded) for the `ready` line; throws with the log's tail if it
    /// exits first or takes too long (a model load takes ~2 s).
    public func waitReady(within seconds: Double = 180) async throws {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if log.contains("\nready http=") || log.hasPrefix("ready http=") { return }
            guard server.isRunning else {
                throw BenchError.live("Triton (\(role)) exited before it was ready (run .ci/install):\n\(log.suffix(2000))")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw BenchError.live("Triton (\(role)) not ready within \(Int(seconds)) s:\n\(log.suffix(2000))")
    }

    /// SIGTERM (the script stops tritonserver and its workspace), SIGKILL
    /// after 30 s; then removes the log.
    public func stop() {
        server.terminate(graceSeconds: 30)
        server.removeLog()
    }
}
