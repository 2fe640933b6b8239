import Foundation
import Synchronization

/// A TCP port nobody listens on right now (for live runs, the soak and tests).
///
/// Chosen at random below the kernel's ephemeral range (32768–60999 on
/// Linux), so no outgoing connection's local port can take it between the
/// check and the server's bind; never handed out twice by one process (tests
/// run side by side in one), nor by two processes at once (a test that runs
/// `bench` as a child picks ports beside its parent): each port handed out is
/// reserved by an `flock` on a file named for it, held until the process
/// exits, when the kernel lets it go. Then checked free by binding it on
/// loopback and closing it again.
public enum FreePort {
    static let range = 20_000..<32_000
    private static let handedOut = Mutex<Set<Int>>([])
    /// Where the reservation files live; shared by every process on the machine.
    static let reservations = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("ferry-ports")

    public static func find() throws -> Int {
        for _ in 0..<500 {
            let port = Int.random(in: range)
            guard handedOut.withLock({ $0.insert(port).inserted }) else { continue }
            if reserve(port), isFree(port) { return port }
        }
        throw BenchError.live("cannot find a free port in \(range.lowerBound)–\(range.upperBound - 1)")
    }

    /// Takes the machine-wide reservation of `port`: false when another live
    /// process holds it. The descriptor stays open on purpose (its lock is
    /// the reservation); read-only, all `flock` needs, so another user's file
    /// works too. Where the folder cannot be written (another user made it),
    /// ports are reserved within this process only, as before.
    static func reserve(_ port: Int) -> Bool {
        try? FileManager.default.createDirectory(at: reservations, withIntermediateDirectories: true,
                                                 attributes: [.posixPermissions: 0o1777])
        let fd = open(reservations.appendingPathComponent("\(port)").path, O_CREAT | O_RDONLY | O_CLOEXEC, 0o666)
        guard fd >= 0 else { return true }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 { return true }
        close(fd)
        return false
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
