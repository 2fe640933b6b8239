import CLibUV
#if canImport(Glibc)
import Glibc
#endif

/// A TCP connection (`uv_tcp_t`): init, connect or accept, read, write,
/// close — for links between processes on different hosts.
public final class UVTcp: UVStream<uv_tcp_t> {
    public init(loop: UVLoop) throws {
        super.init()
        try UVError.check(uv_tcp_init(loop.raw, raw), "uv_tcp_init")
        adopt()
        uv_tcp_nodelay(raw, 1)  // frames are small and answered at once
    }

    /// Connects to `host` (an IPv4 or IPv6 address) and `port`.
    public func connect(host: String, port: Int, _ completion: @escaping (UVError?) -> Void) {
        var storage = sockaddr_storage()
        if let error = Self.address(host: host, port: port, into: &storage) {
            completion(error)
            return
        }
        onConnect = completion
        let req = UnsafeMutablePointer<uv_connect_t>.allocate(capacity: 1)
        req.pointee.data = Unmanaged.passRetained(ConnectContext("\(host):\(port)")).toOpaque()
        let rc = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { uv_tcp_connect(req, raw, $0, streamConnected) }
        }
        if rc < 0 {
            Unmanaged<ConnectContext>.fromOpaque(req.pointee.data!).release()
            req.deallocate()
            onConnect = nil
            completion(UVError(code: rc, context: "connect \(host):\(port)"))
        }
    }

    /// Parses a numeric IPv4 or IPv6 address (no name lookup: the link's
    /// peers are configured by address).
    static func address(host: String, port: Int, into storage: inout sockaddr_storage) -> UVError? {
        let rc: Int32 = withUnsafeMutablePointer(to: &storage) { p in
            if host.contains(":") {
                return p.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { uv_ip6_addr(host, Int32(port), $0) }
            }
            return p.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { uv_ip4_addr(host, Int32(port), $0) }
        }
        return rc < 0 ? UVError(code: rc, context: "address \(host):\(port)") : nil
    }
}

/// A listening TCP socket: bind, listen, close; each peer arrives as a `UVTcp`.
public final class UVTcpServer: UVStreamServer<uv_tcp_t, UVTcp> {
    /// What it is bound to, with the port the system chose for port 0.
    public private(set) var host = ""
    public private(set) var port = 0
    override public var boundDescription: String { "\(host):\(port)" }

    public init(loop: UVLoop) throws {
        super.init(serverOn: loop)
        try UVError.check(uv_tcp_init(loop.raw, raw), "uv_tcp_init")
        adopt()
    }

    public func bind(host: String, port: Int) throws {
        var storage = sockaddr_storage()
        if let error = UVTcp.address(host: host, port: port, into: &storage) { throw error }
        let rc = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { uv_tcp_bind(raw, $0, 0) } }
        try UVError.check(rc, "bind \(host):\(port)")
        var bound = sockaddr_storage()
        var length = Int32(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &bound) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { uv_tcp_getsockname(raw, $0, &length) } }
        self.host = host
        let family = bound.ss_family
        self.port = withUnsafePointer(to: &bound) { p in
            family == sa_family_t(AF_INET6)
                ? p.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
                : p.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
        }
    }
}
