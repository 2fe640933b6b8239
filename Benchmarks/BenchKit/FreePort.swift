import Foundation
import Synchronization

/// A TCP port nobody listens on right now (for live runs, the soak and tests).
///
/// Chosen at random below the kernel's ephemeral range (32768–60999 on
/// Linux), so no outgoing connection's local port can take it between the
/// check and the server's bind, and never handed out twice by one process
/// (tests run side by side in one); then checked free by binding it on
/// loopback and closing it again.
public enum FreePort {
    static let range = 20_000..<32_000
    private static let handedOut = Mutex<Set<Int>>([])

    public static func find() throws -> Int {
        for _ in 0..<500 {
            let port = Int.random(in: range)
            guard handedOut.withLock({ $0.insert(port).inserted }) else { continue }
            if isFree(port) { return port }
        }
        throw BenchError.live("cannot find a free port in \(range.lowerBound)–\(range.upperBound - 1)")
    }

    static func isFree(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}
