import CLibUV

/// Runs a callback once per loop iteration, just before the loop waits for
/// I/O (`uv_prepare_t`): everything the iteration's callbacks queued is
/// ready by then. Streams use one to send an iteration's writes in one
/// `uv_write`. While started it keeps the loop alive, as a pending write would.
public final class UVPrepare: UVHandle<uv_prepare_t> {
    private var callback: (() -> Void)?

    /// Creates a stopped handle on `loop`.
    public init(loop: UVLoop) throws {
        super.init()
        try UVError.check(uv_prepare_init(loop.raw, raw), "uv_prepare_init")
        adopt()
    }

    /// Creates a stopped handle on the loop `handle` belongs to.
    init(loopOf handle: UnsafeMutablePointer<uv_handle_t>) throws {
        super.init()
        try UVError.check(uv_prepare_init(uv_handle_get_loop(handle), raw), "uv_prepare_init")
        adopt()
    }

    /// Calls `callback` before each wait for I/O until stopped.
    public func start(_ callback: @escaping () -> Void) {
        self.callback = callback
        uv_prepare_start(raw) { h in
            UVPrepare.owner(of: UnsafeMutableRawPointer(h)).callback?()
        }
    }

    public func stop() {
        uv_prepare_stop(raw)
    }

    public var isActive: Bool { uv_is_active(handle) != 0 }

    override public func willClose() {
        uv_prepare_stop(raw)
        callback = nil
    }
}
