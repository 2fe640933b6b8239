import CLibUV

/// Watches one POSIX signal on a loop (`uv_signal_t`): init, start, stop, close.
public final class UVSignal: UVHandle<uv_signal_t> {
    private var callback: ((Int32) -> Void)?

    public init(loop: UVLoop) throws {
        super.init()
        try UVError.check(uv_signal_init(loop.raw, raw), "uv_signal_init")
        adopt()
    }

    /// Calls `callback` on the loop each time `signal` arrives.
    public func start(signal: Int32, _ callback: @escaping (Int32) -> Void) throws {
        self.callback = callback
        try UVError.check(uv_signal_start(raw, { h, signum in
            UVSignal.owner(of: UnsafeMutableRawPointer(h)).callback?(signum)
        }, signal), "uv_signal_start(\(signal))")
    }

    public func stop() {
        uv_signal_stop(raw)
    }

    /// Does not keep the loop alive by itself.
    public func setKeepsLoopAlive(_ keep: Bool) {
        if keep { uv_ref(handle) } else { uv_unref(handle) }
    }

    override public func willClose() {
        uv_signal_stop(raw)
        callback = nil
    }
}
