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

    /// Closes the loop, after running what pending close callbacks remain.
    /// Every handle must have been closed first (libuv's rule); the ones that
    /// were not are returned by type ("timer", "pipe"), for the caller to
    /// report as the bug they are, and the loop is then left allocated.
    @discardableResult
    public func close() -> [String] {
        uv_run(raw, UV_RUN_NOWAIT)
        guard uv_loop_close(raw) == UV_EBUSY.rawValue else {
            raw.deallocate()
            return []
        }
        var open: [String] = []
        withUnsafeMutablePointer(to: &open) { list in
            uv_walk(raw, { handle, context in
                guard let handle, uv_is_closing(handle) == 0 else { return }
                let name = String(cString: uv_handle_type_name(uv_handle_get_type(handle)))
                context!.assumingMemoryBound(to: [String].self).pointee.append(name)
            }, list)
        }
        return open
    }
}
