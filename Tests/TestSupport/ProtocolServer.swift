import Foundation

/// A real model server nobody here wrote (Triton via pytriton, MLServer) or
/// the reference server, started for a test from its script under
/// `Benchmarks/upstream/` on free ports, and stopped with SIGTERM (each
/// cleans up after itself on it) when released.
/// `@unchecked Sendable`: `let`s set before the process starts; `Process` is
/// only asked whether it runs, signalled and waited for.
public final class ProtocolServer: @unchecked Sendable {
    public let httpPort: Int
    public let grpcPort: Int
    let process = Process()
    let logFile: URL

    /// `script` gets `arguments`, where `{http}` and `{grpc}` stand for the free ports chosen.
    public init(script: String, _ arguments: [String]) throws {
        httpPort = try FreePort.find()
        grpcPort = try FreePort.find()
        logFile = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-upstream-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: logFile.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Repository.root.appendingPathComponent("Benchmarks/upstream/\(script)").path]
            + arguments.map { $0.replacingOccurrences(of: "{http}", with: "\(httpPort)").replacingOccurrences(of: "{grpc}", with: "\(grpcPort)") }
        let log = try FileHandle(forWritingTo: logFile)
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    deinit { stop() }

    public var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }
    public var httpURL: String { "http://127.0.0.1:\(httpPort)" }
    public var grpcURL: String { "grpc://127.0.0.1:\(grpcPort)" }

    /// Waits (bounded) for the line the scripts print once both ports listen: `ready http=… grpc=…`.
    public func waitUntilReady(within seconds: Double = 120) async throws {
        let deadline = ContinuousClock.now + .seconds(seconds)
        // Checked once more after the deadline (a stalled test process must not fail a server that is up).
        while true {
            if log.split(separator: "\n").contains(where: { $0.hasPrefix("ready http=") }) { return }
            guard process.isRunning else {
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
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let watched = Watched(process)
        DispatchQueue.global().async {
            let deadline = Date().addingTimeInterval(30)
            while watched.process.isRunning && Date() < deadline { usleep(50_000) }
            if watched.process.isRunning { kill(watched.process.processIdentifier, SIGKILL) }
        }
    }

    /// `@unchecked Sendable`: the process has started; it is only asked
    /// whether it runs and signalled, which `Process` allows from any thread.
    private final class Watched: @unchecked Sendable {
        let process: Process
        init(_ process: Process) { self.process = process }
    }
}
