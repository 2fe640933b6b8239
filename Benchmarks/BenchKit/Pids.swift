import Foundation

/// Process liveness by pid, for orphan checks in the soak and the tests.
public enum Pids {
    /// Whether a process with `pid` exists (and is not a zombie).
    public static func isAlive(_ pid: Int32) -> Bool {
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
    public static func waitGone(_ pids: [Int32], within seconds: Double) async -> [Int32] {
        let deadline = ContinuousClock.now + .seconds(seconds)
        var alive = pids.filter(isAlive)
        while !alive.isEmpty && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
            alive = alive.filter(isAlive)
        }
        return alive
    }
}
