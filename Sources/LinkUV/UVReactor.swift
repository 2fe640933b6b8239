import LibUV
import Link

/// The production reactor: a libuv loop, its timers, and Unix-socket links
/// carrying Wire frames (`FramedConnection`).
public final class UVReactor: Reactor {
    public let loop: UVLoop

    public init(loop: UVLoop) {
        self.loop = loop
    }

    public var nowNanoseconds: Int64 { UVLoop.nowNanoseconds() }

    public func makeTimer() -> ReactorTimer {
        // uv_timer_init cannot fail on a live loop; a failure here is a broken loop.
        guard let timer = try? UVTimer(loop: loop) else { fatalError("uv_timer_init failed on a live loop") }
        return timer
    }

    public func listen(at address: String, label: String, onAccept: @escaping (MessageLink) -> Void) throws -> LinkListener {
        let server = try UVPipeServer(loop: loop)
        try server.bind(path: address)
        var accepted = 0
        try server.listen { result in
            // A failed accept concerns one would-be peer only; the server keeps listening.
            guard case let .success(pipe) = result else { return }
            accepted += 1
            onAccept(FramedConnection(pipe: pipe, label: "\(label)#\(accepted)"))
        }
        return server
    }

    public func connect(to address: String, label: String, completion: @escaping (Result<MessageLink, LinkError>) -> Void) {
        let pipe: UVPipe
        do { pipe = try UVPipe(loop: loop) } catch {
            completion(.failure(LinkError("cannot create a pipe: \(error)")))
            return
        }
        pipe.connect(path: address) { error in
            if let error {
                pipe.close()
                completion(.failure(LinkError("\(address): \(error)")))
            } else {
                completion(.success(FramedConnection(pipe: pipe, label: label)))
            }
        }
    }
}

extension UVTimer: ReactorTimer {
    public func close() { close(then: nil) }
}

extension UVPipeServer: LinkListener {
    public func close() { close(then: nil) }
}
