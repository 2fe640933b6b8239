import LibUV
import Link

/// The production reactor: a libuv loop, its timers, and links carrying
/// Wire frames (`FramedConnection`) over Unix sockets or, between hosts, TCP.
/// Over TCP every link is gated by the shared secret (`SecretGate`); a TCP
/// address without a secret is refused, so no port is ever open unguarded.
public final class UVReactor: Reactor {
    public let loop: UVLoop
    private let secret: [UInt8]?
    private let refused: (String) -> Void

    /// `refused` hears about TCP peers turned away by the gate.
    public init(loop: UVLoop, secret: [UInt8]? = nil, refused: @escaping (String) -> Void = { _ in }) {
        self.loop = loop
        self.secret = secret
        self.refused = refused
    }

    public var nowNanoseconds: Int64 { UVLoop.nowNanoseconds() }

    public func makeDeferredWork() -> DeferredWork {
        // uv_idle_init cannot fail on a live loop; a failure here is a broken loop.
        guard let idle = try? UVIdle(loop: loop) else { fatalError("uv_idle_init failed on a live loop") }
        return UVDeferredWork(idle: idle)
    }

    public func makeTimer() -> ReactorTimer {
        // uv_timer_init cannot fail on a live loop; a failure here is a broken loop.
        guard let timer = try? UVTimer(loop: loop) else { fatalError("uv_timer_init failed on a live loop") }
        return timer
    }

    public func makePreciseTimer() -> PreciseTimer {
        // A timerfd fails only when the process is out of descriptors: fall back to whole milliseconds.
        (try? UVPreciseTimer(loop: loop)) ?? MillisecondTimer(makeTimer())
    }

    public func listen(at address: String, label: String, onAccept: @escaping (MessageLink) -> Void) throws -> LinkListener {
        var accepted = 0
        guard let (host, port) = try TCPAddress.parse(address) else {
            let server = try UVPipeServer(loop: loop)
            try server.bind(path: address)
            try server.listen { result in
                // A failed accept concerns one would-be peer only; the server keeps listening.
                guard case let .success(pipe) = result else { return }
                accepted += 1
                onAccept(FramedConnection(stream: pipe, label: "\(label)#\(accepted)"))
            }
            return server
        }
        let secret = try requireSecret(for: address)
        let server = try UVTcpServer(loop: loop)
        try server.bind(host: host, port: port)
        try server.listen { [refused] result in
            guard case let .success(tcp) = result else { return }
            accepted += 1
            SecretGate.accept(FramedConnection(stream: tcp, label: "\(label)#\(accepted)"), secret: secret, onAccept: onAccept, onRefused: refused)
        }
        return server
    }

    public func connect(to address: String, label: String, completion: @escaping (Result<MessageLink, LinkError>) -> Void) {
        do {
            guard let (host, port) = try TCPAddress.parse(address) else {
                let pipe = try UVPipe(loop: loop)
                pipe.connect(path: address) { error in
                    if let error {
                        pipe.close()
                        completion(.failure(LinkError("\(address): \(error)")))
                    } else {
                        completion(.success(FramedConnection(stream: pipe, label: label)))
                    }
                }
                return
            }
            let secret = try requireSecret(for: address)
            let tcp = try UVTcp(loop: loop)
            tcp.connect(host: host, port: port) { error in
                if let error {
                    tcp.close()
                    completion(.failure(LinkError("\(address): \(error)")))
                } else {
                    completion(.success(SecretGate.connect(FramedConnection(stream: tcp, label: label), secret: secret)))
                }
            }
        } catch {
            completion(.failure(error as? LinkError ?? LinkError("\(address): \(error)")))
        }
    }

    private func requireSecret(for address: String) throws -> [UInt8] {
        guard let secret, !secret.isEmpty else {
            throw LinkError("\(address) is a TCP address, and TCP links need a shared secret (none is configured)")
        }
        return secret
    }
}

extension UVTimer: ReactorTimer {}
extension UVPreciseTimer: PreciseTimer {}
extension UVPipeServer: LinkListener {
    public var address: String { path }
}
extension UVTcpServer: LinkListener {
    public var address: String { host.contains(":") ? "tcp://[\(host)]:\(port)" : "tcp://\(host):\(port)" }
}
