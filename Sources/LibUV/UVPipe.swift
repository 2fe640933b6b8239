import CLibUV

/// A connected byte stream over a Unix domain socket or an anonymous pipe
/// (`uv_pipe_t`): init, connect or accept, start/stop reading, write, close.
public final class UVPipe: UVHandle<uv_pipe_t> {
    private var onData: ((UnsafeRawBufferPointer) -> Void)?
    private var onEnd: ((UVError?) -> Void)?
    private var onConnect: ((UVError?) -> Void)?
    private var readBuffer: UnsafeMutableRawBufferPointer?
    private static let readBufferSize = 64 * 1024

    /// A new, unconnected pipe on `loop`.
    public init(loop: UVLoop) throws {
        super.init()
        try UVError.check(uv_pipe_init(loop.raw, raw, 0), "uv_pipe_init")
        adopt()
    }

    var stream: UnsafeMutablePointer<uv_stream_t> {
        UnsafeMutableRawPointer(raw).assumingMemoryBound(to: uv_stream_t.self)
    }

    /// Connects to the Unix socket at `path`; `completion` gets nil on success.
    public func connect(path: String, _ completion: @escaping (UVError?) -> Void) {
        onConnect = completion
        let req = UnsafeMutablePointer<uv_connect_t>.allocate(capacity: 1)
        req.pointee.data = Unmanaged.passRetained(PathBox(path)).toOpaque()
        uv_pipe_connect(req, raw, path) { req, status in
            let box = Unmanaged<PathBox>.fromOpaque(req!.pointee.data!).takeRetainedValue()
            let pipe = UVPipe.owner(of: UnsafeMutableRawPointer(req!.pointee.handle))
            req!.deallocate()
            let done = pipe.onConnect
            pipe.onConnect = nil
            done?(status < 0 ? UVError(code: status, context: "connect \(box.path)") : nil)
        }
    }

    /// Delivers incoming bytes to `onData` until the peer closes or an error
    /// occurs; then `onEnd` runs once (nil error for a clean end of stream).
    public func startReading(onData: @escaping (UnsafeRawBufferPointer) -> Void, onEnd: @escaping (UVError?) -> Void) throws {
        self.onData = onData
        self.onEnd = onEnd
        if readBuffer == nil {
            readBuffer = .allocate(byteCount: UVPipe.readBufferSize, alignment: 16)
        }
        try UVError.check(uv_read_start(stream, { h, _, buf in
            // One buffer per pipe: libuv calls read_cb before asking again.
            let me = UVPipe.owner(of: UnsafeMutableRawPointer(h))
            let b = me.readBuffer!
            buf!.pointee = uv_buf_init(b.baseAddress!.assumingMemoryBound(to: CChar.self), UInt32(b.count))
        }, { s, nread, _ in
            let me = UVPipe.owner(of: UnsafeMutableRawPointer(s))
            if nread > 0 {
                me.onData?(UnsafeRawBufferPointer(start: me.readBuffer!.baseAddress, count: nread))
            } else if nread < 0 {
                uv_read_stop(s)
                let end = me.onEnd
                me.onEnd = nil
                me.onData = nil
                end?(Int32(nread) == UV_EOF.rawValue ? nil : UVError(code: Int32(nread), context: "read"))
            }
        }), "uv_read_start")
    }

    /// Queues `bytes` for writing. The bytes are copied; a failed write shows
    /// up as an error or end of stream on the reading side.
    public func write(_ bytes: [UInt8]) {
        guard !isClosing, !bytes.isEmpty else { return }
        let mem = UnsafeMutableRawPointer.allocate(byteCount: bytes.count, alignment: 1)
        bytes.withUnsafeBytes { mem.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
        let req = UnsafeMutablePointer<uv_write_t>.allocate(capacity: 1)
        req.pointee.data = mem
        var buf = uv_buf_init(mem.assumingMemoryBound(to: CChar.self), UInt32(bytes.count))
        let rc = uv_write(req, stream, &buf, 1) { req, _ in
            req!.pointee.data.deallocate()
            req!.deallocate()
        }
        if rc < 0 {
            mem.deallocate()
            req.deallocate()
        }
    }

    /// Closing on purpose is not an event the owner must hear about: the
    /// callbacks are dropped and `onEnd` does not run.
    override public func willClose() {
        onData = nil
        onEnd = nil
        onConnect = nil
    }

    override public func didClose() {
        readBuffer?.deallocate()
        readBuffer = nil
    }
}

private final class PathBox {
    let path: String
    init(_ path: String) { self.path = path }
}
