import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real `haproxy` (Debian's, installed by `.ci/install`) running the
/// repository's `deploy/haproxy/haproxy.cfg` unchanged, in the foreground,
/// with the addresses that file reads from its environment: its own two
/// ports on loopback and the two Ferrys behind it. Killed when stopped or
/// released.
/// `@unchecked Sendable`: a test starts and stops it from its own task only;
/// `Process` is only asked whether it runs, and signalled.
public final class HAProxyServer: @unchecked Sendable {
    public static let config = Repository.root.appendingPathComponent("deploy/haproxy/haproxy.cfg")
    public let httpPort: Int
    public let grpcPort: Int
    public let log: URL
    private let process = Process()

    /// `ferrys`: the two Ferrys' HTTP and gRPC ports, on 127.0.0.1.
    public init(ferrys: [(http: Int, grpc: Int)]) throws {
        precondition(ferrys.count == 2, "deploy/haproxy/haproxy.cfg names two Ferrys")
        (httpPort, grpcPort) = (try FreePort.find(), try FreePort.find())
        log = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-haproxy-\(UUID().uuidString.prefix(8)).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        var environment = ProcessInfo.processInfo.environment
        environment["FERRY_HTTP_BIND"] = "127.0.0.1:\(httpPort)"
        environment["FERRY_GRPC_BIND"] = "127.0.0.1:\(grpcPort)"
        for (n, ferry) in ferrys.enumerated() {
            environment["FERRY_\(n + 1)_HTTP"] = "127.0.0.1:\(ferry.http)"
            environment["FERRY_\(n + 1)_GRPC"] = "127.0.0.1:\(ferry.grpc)"
        }
        let sbin = "/usr/sbin/haproxy"
        process.executableURL = URL(fileURLWithPath: FileManager.default.isExecutableFile(atPath: sbin) ? sbin : "/usr/bin/haproxy")
        process.arguments = ["-db", "-f", Self.config.path]
        process.environment = environment
        let output = try FileHandle(forWritingTo: log)
        process.standardOutput = output
        process.standardError = output
        try process.run()
    }

    deinit { stop() }

    public var baseURL: String { "http://127.0.0.1:\(httpPort)" }
    public var grpcAddress: String { "127.0.0.1:\(grpcPort)" }
    public var isRunning: Bool { process.isRunning }
    public var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    public func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: log)
    }
}
