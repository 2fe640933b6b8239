import CLibUV
#if canImport(Glibc)
import Glibc
#endif

/// A listening Unix domain socket (`uv_pipe_t` in server mode): init, bind,
/// listen, close. Each accepted connection arrives as a `UVPipe`.
public final class UVPipeServer: UVHandle<uv_pipe_t> {
    private let loop: UVLoop
    private var onConnection: ((Result<UVPipe, UVError>) -> Void)?
    /// Where the socket is bound.
    public private(set) var path = ""

    public init(loop: UVLoop) throws {
        self.loop = loop
        super.init()
        try UVError.check(uv_pipe_init(loop.raw, raw, 0), "uv_pipe_init")
        adopt()
    }

    /// Binds to `path` (an existing stale socket there is removed first) and
    /// restricts it to the owner (0600).
    public func bind(path: String) throws {
        unlink(path)
        try UVError.check(uv_pipe_bind(raw, path), "bind \(path)")
        self.path = path
        chmod(path, 0o600)
    }

    /// Starts accepting; `onConnection` runs on the loop for each peer.
    public func listen(backlog: Int32 = 128, _ onConnection: @escaping (Result<UVPipe, UVError>) -> Void) throws {
        self.onConnection = onConnection
        let stream = UnsafeMutableRawPointer(raw).assumingMemoryBound(to: uv_stream_t.self)
        try UVError.check(uv_listen(stream, backlog) { s, status in
            let me = UVPipeServer.owner(of: UnsafeMutableRawPointer(s))
            guard status >= 0 else {
                me.onConnection?(.failure(UVError(code: status, context: "accept on \(me.path)")))
                return
            }
            do {
                let client = try UVPipe(loop: me.loop)
                let rc = uv_accept(s, client.stream)
                if rc < 0 {
                    client.close()
                    me.onConnection?(.failure(UVError(code: rc, context: "accept on \(me.path)")))
                } else {
                    me.onConnection?(.success(client))
                }
            } catch let e as UVError {
                me.onConnection?(.failure(e))
            } catch {}
        }, "listen \(path)")
    }

    override public func willClose() {
        onConnection = nil
    }

    override public func didClose() {
        if !path.isEmpty { unlink(path) }
    }
}
