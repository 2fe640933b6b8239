import CLibUV

/// A connected byte stream over a Unix domain socket or an anonymous pipe
/// (`uv_pipe_t`): init, connect or accept, start/stop reading, write, close.
public final class UVPipe: UVStream<uv_pipe_t> {
    /// A new, unconnected pipe on `loop`.
    public init(loop: UVLoop) throws {
        super.init()
        try UVError.check(uv_pipe_init(loop.raw, raw, 0), "uv_pipe_init")
        adopt()
    }

    /// Connects to the Unix socket at `path`; `completion` gets nil on success.
    public func connect(path: String, _ completion: @escaping (UVError?) -> Void) {
        onConnect = completion
        let req = UnsafeMutablePointer<uv_connect_t>.allocate(capacity: 1)
        req.pointee.data = Unmanaged.passRetained(ConnectContext(path)).toOpaque()
        uv_pipe_connect(req, raw, path, streamConnected)
    }
}
