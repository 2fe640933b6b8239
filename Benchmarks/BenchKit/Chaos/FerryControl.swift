import AsyncHTTPClient
import Foundation

/// Owns the Ferry under test across its restarts: the current supervisor,
/// the flags to start another one on the same port and files, and the model server.
/// `@unchecked Sendable`: the fault injector is the only task that replaces
/// `ferry` (one fault at a time); the traffic and the progress line only read
/// the port and the `Outages`, which lock.
final class FerryControl: @unchecked Sendable {
    let supervisorPath: String
    let arguments: [String]
    let port: Int
    /// Shared by every restart: one log, one call log, one runtime parent.
    let files: FerryFiles
    let http: HTTPClient
    let modelServer: ModelServerProcess?
    private(set) var ferry: FerryProcess
    /// When the model server was down (killed until up again).
    let outages = Outages()
    /// Supervisors that exited when the soak did not stop them, in words.
    private(set) var unexpectedExits: [String] = []

    init(supervisorPath: String, arguments: [String], port: Int, files: FerryFiles, http: HTTPClient,
         modelServer: ModelServerProcess?) throws {
        self.supervisorPath = supervisorPath
        self.arguments = arguments
        self.port = port
        self.files = files
        self.http = http
        self.modelServer = modelServer
        ferry = try FerryProcess(supervisor: supervisorPath, arguments: arguments, port: port, files: files)
    }

    /// Starts a new supervisor (the last one must be gone) and waits until ready.
    func restart() async throws {
        ferry = try FerryProcess(supervisor: supervisorPath, arguments: arguments, port: port, files: files)
        try await ferry.waitReady(http: http)
    }

    /// If the supervisor exited on its own (restart intensity, a crash), note
    /// it and start another, so one failure does not end the soak.
    func reviveIfExited(atMs: Double) async throws -> Bool {
        guard !ferry.isRunning else { return false }
        unexpectedExits.append(String(format: "at %.1f s the supervisor (pid %d) exited by itself with status %d",
                                      atMs / 1000, ferry.pid, ferry.terminationStatus))
        let stale = ferry.state?.childPids ?? []
        for pid in await Pids.waitGone(stale, within: 10) { kill(pid, SIGKILL) }
        try await restart()
        return true
    }

    /// The current pid of a target: a Ferry child or the model server.
    func currentPid(of target: String) async -> Int32? {
        if target == FaultSchedule.modelServer { return modelServer?.pid }
        return await ferry.currentPid(of: target)
    }
}

/// The model server's outages, written by its restart tasks.
/// `@unchecked Sendable`: `spans` is read and written only under `lock`.
final class Outages: @unchecked Sendable {
    private let lock = NSLock()
    private var spans: [(downMs: Double, upMs: Double?)] = []

    func begin(atMs: Double) { lock.withLock { spans.append((atMs, nil)) } }
    func end(atMs: Double) { lock.withLock { if let i = spans.lastIndex(where: { $0.upMs == nil }) { spans[i].upMs = atMs } } }

    /// When the outage that began at `downMs` ended.
    func upMs(after downMs: Double) -> Double? {
        lock.withLock { spans.first { abs($0.downMs - downMs) < 0.001 || $0.downMs >= downMs }?.upMs }
    }
}
