import AsyncHTTPClient
import Foundation

/// The reference model server, started by the soak with `--backend http` and
/// killed and restarted as a fault target (Ferry does not supervise it).
/// `@unchecked Sendable`: the one mutable field, `process` (replaced by a
/// restart task while later faults read it), is read and written only under
/// `lock`; the rest are `let`s.
final class ModelServerProcess: @unchecked Sendable {
    let script: String
    let port: Int
    let unitMs: Double
    let log: FileHandle
    private let lock = NSLock()
    private var current: Process?
    var process: Process? { lock.withLock { current } }

    init(script: String, port: Int, unitMs: Double, log: FileHandle) {
        self.script = script
        self.port = port
        self.unitMs = unitMs
        self.log = log
    }

    var pid: Int32? { process.flatMap { $0.isRunning ? $0.processIdentifier : nil } }

    func start() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script, "--port", "\(port)", "--unit-ms", "\(unitMs)"]
        p.standardOutput = log
        p.standardError = log
        try p.run()
        lock.withLock { current = p }
    }

    /// Waits (bounded) until it answers /healthz.
    func waitUp(http: HTTPClient, within seconds: Double = 60) async throws {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            guard let process, process.isRunning else {
                throw BenchError.live("the model server exited (run .ci/install for fastapi and uvicorn)")
            }
            if let r = try? await http.get(url: "http://127.0.0.1:\(port)/healthz").get(), r.status == .ok { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw BenchError.live("the model server was not up within \(Int(seconds)) s")
    }

    /// SIGKILL: uvicorn's graceful stop would wait for idle keep-alive connections.
    func kill() {
        guard let process, process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
