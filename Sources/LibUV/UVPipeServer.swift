import CLibUV
#if canImport(Glibc)
import Glibc
#endif

/// A listening Unix domain socket (`uv_pipe_t` in server mode): init, bind,
/// listen, close. Each accepted connection arrives as a `UVPipe`.
public final class UVPipeServer: UVStreamServer<uv_pipe_t, UVPipe> {
    /// Where the socket is bound.
    public private(set) var path = ""
    override public var boundDescription: String { path }

    public init(loop: UVLoop) throws {
        super.init(serverOn: loop)
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

    override public func didClose() {
        if !path.isEmpty { unlink(path) }
    }
}
