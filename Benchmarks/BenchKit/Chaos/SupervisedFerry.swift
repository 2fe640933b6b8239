import AsyncHTTPClient
import Foundation

/// One supervisor started by the soak, and the way to its children's pids.
/// Each restart of Ferry (after a drain or a supervisor kill) is a new
/// instance on the same port, runtime parent and call log.
/// `@unchecked Sendable`: its fields are `let`s set before the process
/// starts; `Process` is only asked for its pid, whether it runs and how it ended.
final class SupervisedFerry: @unchecked Sendable {
    let process = Process()
    let port: Int
    let runtimeParent: String

    /// Starts the supervisor; does not wait for readiness. Its output is
    /// appended to `log`, so restarts keep one log.
    init(supervisor: String, arguments: [String], port: Int, runtimeParent: String, log: FileHandle) throws {
        self.port = port
        self.runtimeParent = runtimeParent
        process.executableURL = URL(fileURLWithPath: supervisor)
        process.arguments = arguments
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }

    /// What the supervisor says about itself now (nil before it wrote the file).
    var state: SupervisorState? { SupervisorState.read(runtimeParent: runtimeParent, supervisor: pid) }

    /// The current pid of `child`, waiting (bounded) while it is down between
    /// a death and its restart. Nil when it does not come back in time.
    func currentPid(of child: String, within seconds: Double = 10) async -> Int32? {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if let pid = state?.pid(of: child) { return pid }
            if !process.isRunning { return nil }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    /// Waits (bounded) until `child` is ready under a pid other than
    /// `killed`; returns when that was seen, or nil.
    func waitBack(_ child: String, killed: Int32, within seconds: Double = 10) async -> ContinuousClock.Instant? {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline && process.isRunning {
            if let c = state?.children.first(where: { $0.name == child }), let pid = c.pid, pid != killed, c.ready == true { return .now }
            try? await Task.sleep(for: .milliseconds(2))
        }
        return nil
    }

    /// Waits until `/readyz` answers 200 (bounded).
    func waitReady(http: HTTPClient, within seconds: Double = 60) async throws {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            guard process.isRunning else {
                throw BenchError.live("the supervisor exited with status \(process.terminationStatus) before it was ready")
            }
            if let r = try? await http.get(url: "http://127.0.0.1:\(port)/readyz").get(), r.status == .ok { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw BenchError.live("Ferry was not ready within \(Int(seconds)) s")
    }

    /// Waits (bounded) for the supervisor to exit; nil when it did not.
    func waitForExit(within seconds: Double) async -> Int32? {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while process.isRunning {
            guard ContinuousClock.now < deadline else { return nil }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return process.terminationStatus
    }
}

/// Process liveness by pid, for orphan checks.
enum Pids {
    /// Whether a process with `pid` exists (and is not a zombie of ours).
    static func isAlive(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 || errno != ESRCH else { return false }
        // A zombie still answers kill(0); it has exited and holds nothing.
        if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
           let close = stat.lastIndex(of: ")") {
            let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
            if state == "Z" || state == "X" { return false }
        }
        return true
    }

    /// Polls until none of `pids` is alive or `seconds` passed; returns the survivors.
    static func waitGone(_ pids: [Int32], within seconds: Double) async -> [Int32] {
        let deadline = ContinuousClock.now + .seconds(seconds)
        var alive = pids.filter(isAlive)
        while !alive.isEmpty && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
            alive = alive.filter(isAlive)
        }
        return alive
    }
}
