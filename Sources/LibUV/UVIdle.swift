import CLibUV

/// Runs a callback once per loop iteration while started, after the
/// iteration's timers and before its prepare handles (`uv_idle_t`). While
/// started the loop does not block for I/O, so work queued in an I/O callback
/// runs on the very next iteration, and the writes it makes are still sent
/// by the prepare handles (`UVStream`'s flusher) before the loop waits.
public final class UVIdle: UVHandle<uv_idle_t> {
    private var callback: (() -> Void)?

    /// Creates a stopped handle on `loop`.
    public init(loop: UVLoop) throws {
        super.init()
        try UVError.check(uv_idle_init(loop.raw, raw), "uv_idle_init")
        adopt()
    }

    /// Calls `callback` once per iteration until stopped.
    public func start(_ callback: @escaping () -> Void) {
        self.callback = callback
        uv_idle_start(raw) { h in
            UVIdle.owner(of: UnsafeMutableRawPointer(h)).callback?()
        }
    }

    public func stop() {
        uv_idle_stop(raw)
    }

    public var isActive: Bool { uv_is_active(handle) != 0 }

    override public func willClose() {
        uv_idle_stop(raw)
        callback = nil
    }
}
