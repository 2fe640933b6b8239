import CLibUV

/// A one-shot or repeating timer (`uv_timer_t`): init, start, stop, close.
public final class UVTimer: UVHandle<uv_timer_t> {
    private var callback: (() -> Void)?

    /// Creates a stopped timer on `loop`.
    public init(loop: UVLoop) throws {
        super.init()
        try UVError.check(uv_timer_init(loop.raw, raw), "uv_timer_init")
        adopt()
    }

    /// Fires `callback` after `milliseconds`, then every `repeat` ms if non-zero.
    /// Starting a started timer re-arms it.
    public func start(afterMilliseconds milliseconds: UInt64, repeat: UInt64 = 0, _ callback: @escaping () -> Void) {
        self.callback = callback
        uv_timer_start(raw, { h in
            UVTimer.owner(of: UnsafeMutableRawPointer(h)).callback?()
        }, milliseconds, `repeat`)
    }

    /// Disarms the timer; it can be started again.
    public func stop() {
        uv_timer_stop(raw)
    }

    public var isActive: Bool { uv_is_active(handle) != 0 }

    /// Keeps the loop from exiting while this timer is armed (the default),
    /// or not.
    public func setKeepsLoopAlive(_ keep: Bool) {
        if keep { uv_ref(handle) } else { uv_unref(handle) }
    }

    override public func willClose() {
        uv_timer_stop(raw)
        callback = nil
    }
}
