import AsyncHTTPClient
import Foundation

/// One started Ferry: the `supervisor` executable run as a user would, with
/// its port, runtime parent, call log and log given here. The one way the
/// bench, the chaos soak and the integration tests start Ferry.
///
/// `@unchecked Sendable`: its fields are `let`s set before the supervisor
/// starts; `Process` is only asked for its pid, whether it runs and how it
/// ended, which it answers under its own lock.
public final class FerryProcess: @unchecked Sendable {
    public let process = Process()
    public let port: Int
    /// The Open Inference Protocol's gRPC port.
    public let grpcPort: Int
    public let files: FerryFiles

    /// Starts `supervisor` with `arguments` plus `--port` (`port`, else a free
    /// one), `--runtime-dir` and (with `callLog`) `--worker-call-log` from
    /// `files`, its output appended to `files.log`. Does not wait for readiness.
    /// `callLog: false` runs the worker as the README's run command does: a
    /// call log is a write per backend call, which a throughput figure must
    /// not charge to Ferry.
    public init(supervisor: String, arguments: [String], port: Int? = nil, files: FerryFiles, callLog: Bool = true) throws {
        self.port = try port ?? FreePort.find()
        self.files = files
        process.executableURL = URL(fileURLWithPath: supervisor)
        // A free gRPC port too, unless given: Ferries started side by side must not all take 8001.
        grpcPort = try Self.value(of: "--grpc-port", in: arguments).flatMap(Int.init) ?? FreePort.find()
        let grpc = arguments.contains("--grpc-port") ? [] : ["--grpc-port", "\(grpcPort)"]
        process.arguments = arguments + ["--port", "\(self.port)", "--runtime-dir", files.runtimeParent.path]
            + (callLog ? ["--worker-call-log", files.callLog.path] : []) + grpc
        let log = try files.appendingLog()
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    /// One dropped before it stopped must not leave Ferry running: kill the
    /// supervisor; its children exit when their control socket closes.
    deinit { signal(SIGKILL) }

    public var pid: Int32 { process.processIdentifier }
    /// `host:port` of the gRPC face.
    public var grpcAddress: String { "127.0.0.1:\(grpcPort)" }

    static func value(of flag: String, in arguments: [String]) -> String? {
        arguments.firstIndex(of: flag).flatMap { arguments.index(after: $0) < arguments.endIndex ? arguments[$0 + 1] : nil }
    }
    public var baseURL: String { "http://127.0.0.1:\(port)" }
    public var isRunning: Bool { process.isRunning }
    /// How it ended; only meaningful once `isRunning` is false.
    public var terminationStatus: Int32 { process.terminationStatus }

    /// The log's text so far.
    public var log: String { files.logText }

    /// Every backend call the worker recorded so far.
    public func calls() throws -> [BackendCall] { try files.calls() }

    /// What the supervisor says about itself now (nil before it wrote the file).
    public var state: SupervisorState? { SupervisorState.read(runtimeParent: files.runtimeParent.path, supervisor: pid) }

    /// Its runtime directory, as the supervisor's own state file places it (nil before it wrote it).
    public var runtimeDirectory: String? { SupervisorState.directory(runtimeParent: files.runtimeParent.path, supervisor: pid) }

    /// The current pid of `child` as the supervisor states it (nil while it is down).
    public func pid(of child: String) -> Int32? { state?.pid(of: child) }

    /// Sends `signal` to the supervisor if it still runs.
    public func signal(_ signal: Int32) {
        if process.isRunning { kill(pid, signal) }
    }

    /// Waits until `/readyz` answers 200 (bounded); fails, with the log's
    /// tail, when the supervisor exits first or the time runs out.
    public func waitReady(http: HTTPClient, within seconds: Double = 60) async throws {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            guard process.isRunning else {
                throw BenchError.live("the supervisor exited with status \(process.terminationStatus) before it was ready\(logTail())")
            }
            if let r = try? await http.get(url: "\(baseURL)/readyz").get(), r.status == .ok { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw BenchError.live("Ferry was not ready within \(Int(seconds)) s\(logTail())")
    }

    /// Waits (bounded) for the supervisor to exit; its status, or nil when it did not.
    public func waitForExit(within seconds: Double = 60) async -> Int32? {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while process.isRunning {
            guard ContinuousClock.now < deadline else { return nil }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return process.terminationStatus
    }

    /// Sends `signal` and waits (bounded) for the exit status. A supervisor
    /// still running when the time is up is SIGKILLed and nil returned, so a
    /// stop never leaves it behind.
    public func stop(signal: Int32 = SIGTERM, within seconds: Double = 60) async -> Int32? {
        self.signal(signal)
        if let status = await waitForExit(within: seconds) { return status }
        self.signal(SIGKILL)
        return nil
    }

    /// The log's last lines, for an error message: a soak's log holds every
    /// restart, too long to print whole.
    func logTail(lines: Int = 60) -> String {
        let tail = log.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines)
        return tail.allSatisfy(\.isEmpty) ? "" : ":\n" + tail.joined(separator: "\n")
    }
}
