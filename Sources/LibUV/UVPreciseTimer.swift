import CLibUV
#if canImport(Glibc)
import Glibc
#endif

/// A one-shot timer that keeps nanoseconds: a Linux `timerfd` watched by a
/// `uv_poll_t`. libuv's own timers count whole milliseconds from the loop's
/// cached clock, which turns a 70 µs wait (a strategy holding a lone request
/// for company) into one of 1–2 ms. Life as every handle: init, start and
/// stop any number of times, close once (the descriptor closes with it).
public final class UVPreciseTimer: UVHandle<uv_poll_t> {
    private let fd: Int32
    private var callback: (() -> Void)?

    /// Creates a stopped timer on `loop`.
    public init(loop: UVLoop) throws {
        let fd = timerfd_create(CLOCK_MONOTONIC, Int32(TFD_NONBLOCK) | Int32(TFD_CLOEXEC))
        guard fd >= 0 else { throw UVError(code: -errno, context: "timerfd_create") }
        self.fd = fd
        super.init()
        let result = uv_poll_init(loop.raw, raw, fd)
        guard result == 0 else {
            Glibc.close(fd)
            throw UVError(code: result, context: "uv_poll_init on a timerfd")
        }
        adopt()
    }

    /// Fires `callback` once, `nanoseconds` from now (at least 1 ns: a zero
    /// would disarm the timerfd). Starting a started timer re-arms it.
    public func start(afterNanoseconds nanoseconds: UInt64, _ callback: @escaping () -> Void) {
        self.callback = callback
        let ns = max(nanoseconds, 1)
        var spec = itimerspec()
        spec.it_value.tv_sec = Int(ns / 1_000_000_000)
        spec.it_value.tv_nsec = Int(ns % 1_000_000_000)
        timerfd_settime(fd, 0, &spec, nil)
        uv_poll_start(raw, Int32(UV_READABLE.rawValue)) { h, _, _ in
            let me = UVPreciseTimer.owner(of: UnsafeMutableRawPointer(h))
            var expirations: UInt64 = 0
            _ = read(me.fd, &expirations, MemoryLayout<UInt64>.size)
            uv_poll_stop(h)  // one-shot; the callback may start it again
            me.callback?()
        }
    }

    /// Disarms the timer; it can be started again. (Not started, or already
    /// fired: nothing to disarm, no system call — the scheduler stops its
    /// lane's wake-up whenever a strategy wants none.)
    public func stop() {
        guard isActive else { return }
        var spec = itimerspec()
        timerfd_settime(fd, 0, &spec, nil)
        uv_poll_stop(raw)
    }

    public var isActive: Bool { uv_is_active(handle) != 0 }

    override public func willClose() {
        stop()
        callback = nil
    }

    override public func didClose() {
        Glibc.close(fd)
    }
}
