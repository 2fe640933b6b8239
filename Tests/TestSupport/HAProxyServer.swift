import BenchKit
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real `haproxy` (Debian's, installed by `.ci/install`) running the
/// repository's `deploy/haproxy/haproxy.cfg` unchanged, in the foreground,
/// with the addresses that file reads from its environment: its own two
/// ports on loopback and the two Ferrys behind it. Killed when stopped or
/// released.
public final class HAProxyServer: Sendable {
    public static let config = Repository.root.appendingPathComponent("deploy/haproxy/haproxy.cfg")
    public let httpPort: Int
    public let grpcPort: Int
    private let server: LoggedProcess

    /// `ferrys`: the two Ferrys' HTTP and gRPC ports, on 127.0.0.1.
    public init(ferrys: [(http: Int, grpc: Int)]) throws {
        precondition(ferrys.count == 2, "deploy/haproxy/haproxy.cfg names two Ferrys")
        (httpPort, grpcPort) = (try FreePort.find(), try FreePort.find())
        var environment = ProcessInfo.processInfo.environment
        environment["FERRY_HTTP_BIND"] = "127.0.0.1:\(httpPort)"
        environment["FERRY_GRPC_BIND"] = "127.0.0.1:\(grpcPort)"
        for (n, ferry) in ferrys.enumerated() {
            environment["FERRY_\(n + 1)_HTTP"] = "127.0.0.1:\(ferry.http)"
            environment["FERRY_\(n + 1)_GRPC"] = "127.0.0.1:\(ferry.grpc)"
        }
        let sbin = "/usr/sbin/haproxy"
        server = try LoggedProcess(name: "haproxy", executable: FileManager.default.isExecutableFile(atPath: sbin) ? sbin : "/usr/bin/haproxy",
                                   arguments: ["-db", "-f", Self.config.path], environment: environment)
    }

    deinit { stop() }

    public var baseURL: String { "http://127.0.0.1:\(httpPort)" }
    public var grpcAddress: String { "127.0.0.1:\(grpcPort)" }
    public var isRunning: Bool { server.isRunning }
    public var output: String { server.log }

    public func stop() {
        server.killNow()
        server.removeLog()
    }
}
