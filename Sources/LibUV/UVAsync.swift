import CLibUV
import Foundation

/// Runs work posted from other threads on the loop's thread (`uv_async_t`):
/// init, post from anywhere, close on the loop. Libraries that run on their
/// own threads (AsyncHTTPClient) hand their results back through this.
///
/// `@unchecked Sendable`: the one call other threads may make is `post`,
/// which touches only `pending` under `lock` and `uv_async_send`, the one
/// libuv call documented as safe from any thread; everything else (init,
/// close, `setKeepsLoopAlive`, the drain) runs on the loop's thread.
public final class UVAsync: UVHandle<uv_async_t>, @unchecked Sendable {
    private let lock = NSLock()
    private var pending: [() -> Void] = []

    public init(loop: UVLoop) throws {
        super.init()
        try UVError.check(uv_async_init(loop.raw, raw) { h in
            UVAsync.owner(of: UnsafeMutableRawPointer(h)).drain()
        }, "uv_async_init")
        adopt()
    }

    /// Queues `work` to run on the loop thread soon. Safe from any thread
    /// until the handle is closed.
    public func post(_ work: @escaping () -> Void) {
        lock.lock()
        pending.append(work)
        lock.unlock()
        uv_async_send(raw)
    }

    private func drain() {
        // libuv coalesces sends: take everything queued so far.
        lock.lock()
        let work = pending
        pending.removeAll()
        lock.unlock()
        for w in work { w() }
    }

    /// Does not keep the loop alive by itself.
    public func setKeepsLoopAlive(_ keep: Bool) {
        if keep { uv_ref(handle) } else { uv_unref(handle) }
    }
}
