import Foundation

/// A child process (a model server, Triton, HAProxy, the bare server) whose
/// standard output and error go to a log file of its own under the temporary
/// directory: the one way the bench and the tests start a server, so each
/// reads its log for its `ready` line and quotes it in errors. How it is
/// stopped (SIGKILL at once, or SIGTERM and a grace) stays with its owner.
///
/// `@unchecked Sendable`: its fields are `let`s set before the process
/// starts; `Process` is only asked whether it runs, signalled and waited
/// for, which it answers under its own lock.
public final class LoggedProcess: @unchecked Sendable {
    public let process = Process()
    /// Where its output goes: `ferry-NAME-UUID.log` in the temporary directory.
    public let logFile: URL

    /// Starts `executable` with `arguments`; `environment` nil: this process's.
    /// Standard input is /dev/null (a server must never wait on the
    /// terminal). Throws, naming the file or the program, if either fails.
    public init(name: String, executable: String, arguments: [String], environment: [String: String]? = nil) throws {
        logFile = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-\(name)-\(UUID().uuidString).log")
        guard FileManager.default.createFile(atPath: logFile.path, contents: nil) else {
            throw BenchError.live("cannot create the log file \(logFile.path) for \(name)")
        }
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let output = try FileHandle(forWritingTo: logFile)
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw BenchError.live("cannot start \(name) (\(executable) \(arguments.joined(separator: " "))): \(error)")
        }
    }

    /// `python3 SCRIPT ARGUMENTS`, the interpreter found on `PATH` (the venv
    /// `.ci/install` makes, where a test or the bench runs inside it).
    public static func python(name: String, script: String, arguments: [String]) throws -> LoggedProcess {
        try LoggedProcess(name: name, executable: "/usr/bin/env", arguments: ["python3", script] + arguments)
    }

    public var isRunning: Bool { process.isRunning }
    public var pid: Int32 { process.processIdentifier }
    /// Its output so far.
    public var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// SIGKILL if it still runs, and waits for it to be gone.
    public func killNow() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM, then SIGKILL if it has not gone within `graceSeconds`; waits
    /// for it to be gone.
    public func terminate(graceSeconds: Double) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(graceSeconds)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        killNow()
    }

    public func removeLog() {
        try? FileManager.default.removeItem(at: logFile)
    }
}
