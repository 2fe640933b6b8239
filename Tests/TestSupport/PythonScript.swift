import Foundation

/// A Python script of the repository (a standard client such as
/// tritonclient driving Ferry), run to its end with a bound on time.
public enum PythonScript {
    public struct Outcome: Sendable {
        public let status: Int32
        public let output: String
    }

    /// Runs `python3 <repository>/<path> arguments…`; kills it after `seconds`.
    public static func run(_ path: String, _ arguments: [String], within seconds: Double = 300) async throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Repository.root.appendingPathComponent(path).path] + arguments
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-py-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: out) }
        let handle = try FileHandle(forWritingTo: out)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + .seconds(seconds)
        while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try handle.close()
        let text = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
        return Outcome(status: process.terminationStatus, output: text)
    }
}
