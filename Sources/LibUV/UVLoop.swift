import CLibUV

/// One libuv event loop. Every handle in this module belongs to exactly one
/// loop and must be used from the thread that runs it.
public final class UVLoop {
    /// The C loop, for handles created on it.
    public let raw: UnsafeMutablePointer<uv_loop_t>

    /// Creates a loop of its own (not libuv's default loop, so tests can run
    /// several side by side).
    public init() throws {
        raw = UnsafeMutablePointer<uv_loop_t>.allocate(capacity: 1)
        try UVError.check(uv_loop_init(raw), "uv_loop_init")
    }

    /// Runs until no active handle remains or `stop()` is called.
    public func run() {
        uv_run(raw, UV_RUN_DEFAULT)
    }

    /// Makes `run()` return after the current iteration.
    public func stop() {
        uv_stop(raw)
    }

    /// Monotonic nanoseconds, from the same clock for every process on the host.
    public static func nowNanoseconds() -> Int64 {
        Int64(bitPattern: uv_hrtime())
    }

    /// Closes the loop; every handle must have been closed first. Runs the
    /// loop until pending close callbacks are done.
    public func close() {
        uv_run(raw, UV_RUN_NOWAIT)
        if uv_loop_close(raw) == 0 {
            raw.deallocate()
        }
    }
}
