import CLibUV

/// The life every libuv handle shares: created on a loop, optionally started
/// and stopped, and finally closed. Memory for the C handle is owned by the
/// Swift object; `handle->data` points back at it. The object keeps itself
/// alive from `init` until libuv confirms the close, so callbacks never see a
/// freed owner, and closing is the only way to release it.
open class UVHandle<H>: ClosableHandle {
    /// The C handle. Valid until the close callback ran.
    public let raw: UnsafeMutablePointer<H>
    public private(set) var isClosing = false
    private var onClose: (() -> Void)?

    init() {
        // libuv wants zeroed memory it then initialises; Swift cannot default-
        // construct the imported C structs generically.
        let bytes = UnsafeMutableRawPointer.allocate(byteCount: MemoryLayout<H>.size, alignment: MemoryLayout<H>.alignment)
        bytes.initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<H>.size)
        raw = bytes.assumingMemoryBound(to: H.self)
    }

    /// The handle seen as the libuv base type.
    public var handle: UnsafeMutablePointer<uv_handle_t> {
        UnsafeMutableRawPointer(raw).assumingMemoryBound(to: uv_handle_t.self)
    }

    /// Call after the `uv_*_init` succeeded: ties the handle to this object.
    func adopt() {
        handle.pointee.data = Unmanaged.passRetained(self as AnyObject).toOpaque()
    }

    /// The owner of a handle, from inside a libuv callback.
    static func owner(of h: UnsafeMutableRawPointer?) -> Self {
        let base = h!.assumingMemoryBound(to: uv_handle_t.self)
        return Unmanaged<AnyObject>.fromOpaque(base.pointee.data!).takeUnretainedValue() as! Self
    }

    /// Stops the handle and releases it once libuv is done with it. Safe to
    /// call more than once; `then` runs after the release.
    public func close(then: (() -> Void)? = nil) {
        guard !isClosing else { return }
        isClosing = true
        onClose = then
        willClose()
        uv_close(handle) { h in
            // Non-generic hop: a C callback cannot capture the generic H.
            let unmanaged = Unmanaged<AnyObject>.fromOpaque(h!.pointee.data!)
            (unmanaged.takeUnretainedValue() as! ClosableHandle).finishClose()
        }
    }

    /// `close(then: nil)`: the form protocols require.
    public func close() {
        close(then: nil)
    }

    func finishClose() {
        let done = onClose
        onClose = nil
        didClose()
        let unmanaged = Unmanaged<AnyObject>.fromOpaque(handle.pointee.data!)
        handle.pointee.data = nil
        unmanaged.release()
        done?()
    }

    /// Subclass hook: drop callbacks before the close, to break cycles.
    open func willClose() {}
    /// Subclass hook: the C handle is no longer used by libuv.
    open func didClose() {}

    deinit {
        raw.deallocate()
    }
}

/// What the close callback needs, without knowing the handle's C type.
protocol ClosableHandle: AnyObject {
    func finishClose()
}
