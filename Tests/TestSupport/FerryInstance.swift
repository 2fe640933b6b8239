import AsyncHTTPClient
@_exported import struct BenchKit.BackendCall
@_exported import enum BenchKit.FreePort
@_exported import struct BenchKit.SupervisorState
import BenchKit
import Foundation
import NIOCore

/// A real Ferry, started as the user would (`supervisor` with flags), for
/// integration tests: real processes, real sockets, real HTTP. A thin layer
/// over BenchKit's `FerryProcess`, the one way the bench and the tests start
/// Ferry; this adds the built supervisor, private files removed afterwards,
/// and test-shaped failures.
/// `Sendable`: both fields are `let`s of `Sendable` types.
public final class FerryInstance: Sendable {
    public let ferry: FerryProcess
    public let files: FerryFiles

    /// Starts the supervisor with `arguments` plus a free port, a private
    /// runtime base and a call log; does not wait for readiness.
    public init(arguments: [String]) throws {
        files = try FerryFiles.temporary(prefix: "ferry-test-")
        ferry = try FerryProcess(supervisor: try BuildProducts.executable("supervisor"), arguments: arguments, files: files)
    }

    /// A test that failed before `stop()` must not leave Ferry running.
    deinit {
        ferry.signal(SIGKILL)
        files.remove()
    }

    public var port: Int { ferry.port }
    /// `host:port` of the gRPC face.
    public var grpcAddress: String { ferry.grpcAddress }
    public var grpcPort: Int { ferry.grpcPort }
    public var process: Process { ferry.process }
    /// Where the supervisor creates its runtime directory (a fresh temp dir).
    public var runtimeBase: URL { files.directory }
    /// The runtime base's `run` folder, where the 0700 directory is created.
    public var runtimeParent: URL { files.runtimeParent }
    /// The supervisor's combined output.
    public var logFile: URL { files.log }
    public var callLog: URL { files.callLog }
    public var baseURL: String { ferry.baseURL }
    public var log: String { ferry.log }

    /// Waits until `/readyz` answers 200 (bounded; fails with the log otherwise).
    public func waitUntilReady(client: HTTPClient, within seconds: Double = 60) async throws {
        do { try await ferry.waitReady(http: client, within: seconds) } catch { throw Failure(description: "\(error)") }
    }

    /// Polls `/readyz` until its body satisfies `until`, and returns that
    /// body: a way to wait for the scheduler's own report. Bounded by time
    /// (60 s, not a count of polls: a starved test process polls seldom);
    /// throws with the last body when the condition never held.
    public func readyz(client http: HTTPClient, until: (String) -> Bool) async throws -> String {
        try await Self.readyz(at: baseURL, client: http, until: until)
    }

    /// The same for any Ferry at `base` (one in a container).
    public static func readyz(at base: String, client http: HTTPClient, within seconds: Double = 60,
                              until: (String) -> Bool) async throws -> String {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while true {
            let r = try await http.get(url: "\(base)/readyz").get()
            let body = String(buffer: r.body ?? ByteBuffer())
            if until(body) { return body }
            guard ContinuousClock.now < deadline else {
                throw Failure(description: "/readyz never showed what the test waited for within \(seconds) s; last: \(body)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Whether the log contains `text` within `seconds`: children's lines reach
    /// the log through the supervisor, a moment after the event they report.
    public func logContains(_ text: String, within seconds: Double = 20) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while !log.contains(text) {
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return true
    }

    /// The current pid of `child`, as the supervisor states it in its
    /// `supervisor.json` (nil while the child is down or before the file exists).
    public func pid(of child: String) -> Int32? { ferry.pid(of: child) }

    /// Holds the backend: stops the worker process (SIGSTOP), so the call it
    /// runs and every call sent to it wait, however fast or slow this machine
    /// is, until the hold's `release()` (SIGCONT). Start the Ferry with a
    /// heartbeat timeout longer than the hold (`--heartbeat-timeout-s 600`),
    /// or the supervisor replaces the silent worker. Hold it before the call
    /// to hold is sent: one already running may end before the stop lands.
    public func holdWorker() throws -> WorkerHold {
        guard let pid = pid(of: "worker") else { throw Failure(description: "no worker reported to hold") }
        kill(pid, SIGSTOP)
        return WorkerHold(pid: pid)
    }

    /// Polls `condition` (bounded: 30 s) — for events only the supervisor's
    /// report shows (a child's new pid is reported when it says it is
    /// ready, which may come after it has already served requests).
    public func waitUntil(_ what: String, _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while !condition() {
            guard ContinuousClock.now < deadline else { throw Failure(description: "\(what): not within 30 s") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// The supervisor's own account of itself and its children.
    public var supervisorState: SupervisorState? { ferry.state }
    /// Its runtime directory, as that account places it.
    public var runtimeDirectory: String? { ferry.runtimeDirectory }

    /// Sends `signal` to the supervisor and waits (bounded) for it to exit;
    /// one still running then is killed and the test fails.
    public func stop(signal: Int32 = SIGTERM, within seconds: Double = 60) async throws -> Int32 {
        guard let status = await ferry.stop(signal: signal, within: seconds) else { throw notExited(within: seconds) }
        return status
    }

    public func waitForExit(within seconds: Double = 60) async throws -> Int32 {
        if let status = await ferry.waitForExit(within: seconds) { return status }
        ferry.signal(SIGKILL)
        throw notExited(within: seconds)
    }

    private func notExited(within seconds: Double) -> Failure {
        Failure(description: "supervisor did not exit within \(seconds) s:\n\(log)")
    }

    /// Whether a process with `pid` still exists (a zombie does not count).
    public static func isAlive(_ pid: Int32) -> Bool { Pids.isAlive(pid) }

    /// Every backend call the worker recorded.
    public func calls() throws -> [BackendCall] { try ferry.calls() }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }
}

/// A worker stopped by `FerryInstance.holdWorker()`.
public struct WorkerHold: Sendable {
    public let pid: Int32

    /// Lets the worker run again (safe to call more than once).
    public func release() { kill(pid, SIGCONT) }
}
