import Foundation

/// `bench bare-server` started for `bench throughput` on free ports: the
/// server that answers at once. Ready once it prints its `ready` line.
///
/// `@unchecked Sendable`: its fields are `let`s set before the process
/// starts; `Process` is only asked whether it runs and signalled.
final class BareProcess: @unchecked Sendable {
    let httpPort: Int
    let grpcPort: Int
    let process = Process()
    let logFile: URL

    init(bench: String) throws {
        httpPort = try FreePort.find()
        grpcPort = try FreePort.find()
        logFile = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-bare-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: logFile.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: bench)
        process.arguments = ["bare-server", "--http-port", "\(httpPort)", "--grpc-port", "\(grpcPort)"]
        let log = try FileHandle(forWritingTo: logFile)
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    deinit { stop() }

    var pid: Int32 { process.processIdentifier }
    var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// Where `face` reaches it: a base URL, or `HOST:PORT` for gRPC.
    func url(for face: LiveProtocol) -> String {
        face == .oipGRPC ? "127.0.0.1:\(grpcPort)" : "http://127.0.0.1:\(httpPort)"
    }

    func waitReady(within seconds: Double = 30) async throws {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if log.contains("ready http=") { return }
            guard process.isRunning else { throw BenchError.live("the bare server exited:\n\(log.suffix(2000))") }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw BenchError.live("the bare server was not ready within \(Int(seconds)) s:\n\(log.suffix(2000))")
    }

    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: logFile)
    }
}
