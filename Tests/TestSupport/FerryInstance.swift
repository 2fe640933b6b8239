import AsyncHTTPClient
@_exported import enum BenchKit.FreePort
@_exported import struct BenchKit.SupervisorState
import Foundation
import NIOCore
import NIOHTTP1

/// A real Ferry, started as the user would (`supervisor` with flags), for
/// integration tests: real processes, real sockets, real HTTP.
/// `@unchecked Sendable`: its fields are `let`s set before the supervisor
/// starts; `Process` is only asked for its pid, whether it runs and how it ended.
public final class FerryInstance: @unchecked Sendable {
    public let port: Int
    public let process: Process
    /// Where the supervisor creates its runtime directory (a fresh temp dir).
    public let runtimeBase: URL
    /// The supervisor's combined output.
    public let logFile: URL
    public let callLog: URL

    /// Starts the supervisor with `arguments` plus a free port, a private
    /// runtime base and a call log; does not wait for readiness.
    public init(arguments: [String]) throws {
        port = try FreePort.find()
        runtimeBase = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: runtimeBase, withIntermediateDirectories: true)
        logFile = runtimeBase.appendingPathComponent("supervisor.log")
        callLog = runtimeBase.appendingPathComponent("calls.jsonl")
        FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let runtime = runtimeBase.appendingPathComponent("run")
        try FileManager.default.createDirectory(at: runtime, withIntermediateDirectories: true)
        process = Process()
        process.executableURL = URL(fileURLWithPath: try BuildProducts.executable("supervisor"))
        process.arguments = arguments + ["--port", "\(port)", "--runtime-dir", runtime.path, "--worker-call-log", callLog.path]
        let handle = try FileHandle(forWritingTo: logFile)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    /// A test that failed before `stop()` must not leave Ferry running: kill
    /// the supervisor; its children exit when their control socket closes.
    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: runtimeBase)
    }

    /// The runtime base's `run` folder, where the 0700 directory is created.
    public var runtimeParent: URL { runtimeBase.appendingPathComponent("run") }

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    public var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// Waits until `/readyz` answers 200 (bounded; fails with the log otherwise).
    public func waitUntilReady(client: HTTPClient, within seconds: Double = 60) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if !process.isRunning {
                throw Failure(description: "supervisor exited with \(process.terminationStatus) before ready:\n\(log)")
            }
            if let r = try? await client.get(url: "\(baseURL)/readyz").get(), r.status == .ok { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw Failure(description: "Ferry not ready within \(seconds) s:\n\(log)")
    }

    /// Whether the log contains `text` within `seconds`: children's lines reach
    /// the log through the supervisor, a moment after the event they report.
    public func logContains(_ text: String, within seconds: Double = 20) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while !log.contains(text) {
            guard Date() < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return true
    }

    /// The current pid of `child`, as the supervisor states it in its
    /// `supervisor.json` (nil while the child is down or before the file exists).
    public func pid(of child: String) -> Int32? {
        supervisorState?.pid(of: child)
    }

    /// The supervisor's own account of itself and its children.
    public var supervisorState: SupervisorState? {
        SupervisorState.read(runtimeParent: runtimeParent.path, supervisor: process.processIdentifier)
    }

    /// Sends `signal` to the supervisor and waits (bounded) for it to exit.
    public func stop(signal: Int32 = SIGTERM, within seconds: Double = 60) async throws -> Int32 {
        kill(process.processIdentifier, signal)
        return try await waitForExit(within: seconds)
    }

    public func waitForExit(within seconds: Double = 60) async throws -> Int32 {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning {
            guard Date() < deadline else {
                kill(process.processIdentifier, SIGKILL)
                throw Failure(description: "supervisor did not exit within \(seconds) s:\n\(log)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return process.terminationStatus
    }

    /// Whether a process with `pid` still exists.
    public static func isAlive(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno != ESRCH
    }

    /// Every backend call the worker recorded.
    public func calls() throws -> [BackendCall] {
        let text = (try? String(contentsOf: callLog, encoding: .utf8)) ?? ""
        return try text.split(separator: "\n").map { try JSONDecoder().decode(BackendCall.self, from: Data($0.utf8)) }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }
}

/// One line of the worker's call log.
public struct BackendCall: Decodable, Sendable {
    public let batch: UInt64
    public let items: Int
    public let start_ns: Int64
    public let end_ns: Int64
    public let failed: Int
}
