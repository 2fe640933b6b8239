import Foundation
#if canImport(Glibc)
import Glibc
#endif
import LibUV
import Redis

/// A real `redis-server` (Debian's, installed by `.ci/install`) for a test:
/// on a Unix socket in a private directory, no TCP port, no persistence;
/// killed when stopped or released.
/// `@unchecked Sendable`: a test starts and kills it from its own task only;
/// `Process` is only asked whether it runs, and killed.
public final class RedisServer: @unchecked Sendable {
    public let directory: URL
    public let socketPath: String
    private var process = Process()

    public init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-redis-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        socketPath = directory.appendingPathComponent("redis.sock").path
        try start()
    }

    /// Starts the server (again, after `kill()`: on the same socket, empty).
    public func start() throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["redis-server", "--port", "0", "--unixsocket", socketPath, "--unixsocketperm", "700",
                             "--save", "", "--appendonly", "no", "--dir", directory.path,
                             "--logfile", directory.appendingPathComponent("redis.log").path]
        try process.run()
    }

    deinit { stop() }

    /// Kills the server (SIGKILL: as a crash), keeping its directory.
    public func kill() {
        if process.isRunning {
            Glibc.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    public func stop() {
        kill()
        try? FileManager.default.removeItem(at: directory)
    }

    /// `unix://PATH`, as Ferry's `stream.redis` takes it.
    public var address: String { "unix://\(socketPath)" }

    /// Waits (bounded) until it answers PING.
    public func waitUntilUp(within seconds: Double = 30) async throws {
        let deadline = ContinuousClock.now + .seconds(seconds)
        // Checked once more after the deadline: a test process whose threads
        // were all busy for the whole wait (a fresh CI run starting every
        // suite at once) must not fail a server that was up all along.
        while true {
            guard process.isRunning else {
                throw RedisError("redis-server exited (run .ci/install for redis-server): \(log)")
            }
            if FileManager.default.fileExists(atPath: socketPath), (try? command(["PING"])) == .status("PONG") { return }
            if ContinuousClock.now >= deadline { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw RedisError("redis-server not up within \(seconds) s: \(log)")
    }

    public var log: String {
        (try? String(contentsOf: directory.appendingPathComponent("redis.log"), encoding: .utf8)) ?? ""
    }

    /// Runs commands in order on a connection of their own and returns their
    /// replies (blocking, briefly: a loop of its own runs until the last reply).
    public func commands(_ list: [[[UInt8]]]) throws -> [RedisReply] {
        let loop = try UVLoop()
        var replies: [RedisReply] = []
        var failure: RedisError?
        let connection = try RedisConnection(loop: loop, address: .unix(path: socketPath)) { error in failure = error }
        for arguments in list {
            connection.command(arguments) { r in
                replies.append(r)
                if replies.count == list.count { connection.close() }
            }
        }
        if list.isEmpty { connection.close() }
        loop.run()
        loop.close()
        if let failure { throw failure }
        return replies
    }

    public func commands(_ list: [[String]]) throws -> [RedisReply] {
        try commands(list.map { $0.map { Array($0.utf8) } })
    }

    public func command(_ arguments: [String]) throws -> RedisReply {
        try commands([arguments])[0]
    }
}
