import Foundation

/// A TCP port nobody listens on right now (for live runs, the soak and tests):
/// bound to port 0 on loopback, the kernel's choice read back, the socket closed.
public enum FreePort {
    public static func find() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                bind(fd, sa, len) == 0 && getsockname(fd, sa, &len) == 0
            }
        }
        guard ok else { throw BenchError.live("cannot find a free port") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// A free port other than `taken` (a process given two ports must not get one twice).
    public static func find(besides taken: Int) throws -> Int {
        let port = try find()
        return port == taken ? try find() : port
    }
}
