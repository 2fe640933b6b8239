import CLibUV

/// What every libuv stream handle shares (a Unix socket or pipe, a TCP
/// connection): start/stop reading, write, close. Subclasses add how it is
/// made and connected.
open class UVStream<H>: UVHandle<H>, StreamEvents, ByteStream {
    private var onData: ((UnsafeRawBufferPointer) -> Void)?
    private var onEnd: ((UVError?) -> Void)?
    var onConnect: ((UVError?) -> Void)?
    private var readBuffer: UnsafeMutableRawBufferPointer?
    /// Bytes written this loop iteration, not yet handed to libuv.
    private var outgoing: [UInt8] = []
    /// Hands `outgoing` to libuv before the loop next waits; made on the first write.
    private var flusher: UVPrepare?
    /// `uv_write` calls made so far (each carries all of one iteration's writes).
    public private(set) var writesIssued = 0
    private static var readBufferSize: Int { 64 * 1024 }

    /// The handle seen as a libuv stream.
    public var stream: UnsafeMutablePointer<uv_stream_t> {
        UnsafeMutableRawPointer(raw).assumingMemoryBound(to: uv_stream_t.self)
    }

    /// Delivers incoming bytes to `onData` until the peer closes or an error
    /// occurs; then `onEnd` runs once (nil error for a clean end of stream).
    public func startReading(onData: @escaping (UnsafeRawBufferPointer) -> Void, onEnd: @escaping (UVError?) -> Void) throws {
        self.onData = onData
        self.onEnd = onEnd
        if readBuffer == nil {
            readBuffer = .allocate(byteCount: Self.readBufferSize, alignment: 16)
        }
        // The callbacks cannot name the generic type: they reach the owner
        // through the non-generic `StreamEvents`.
        try UVError.check(uv_read_start(stream, { h, _, buf in
            // One buffer per stream: libuv calls read_cb before asking again.
            let b = streamOwner(h).readArea
            buf!.pointee = uv_buf_init(b.baseAddress!.assumingMemoryBound(to: CChar.self), UInt32(b.count))
        }, { s, nread, _ in
            streamOwner(UnsafeMutableRawPointer(s!).assumingMemoryBound(to: uv_handle_t.self)).didRead(nread)
        }), "uv_read_start")
    }

    var readArea: UnsafeMutableRawBufferPointer { readBuffer! }

    func didRead(_ nread: Int) {
        if nread > 0 {
            onData?(UnsafeRawBufferPointer(start: readBuffer!.baseAddress, count: nread))
        } else if nread < 0 {
            uv_read_stop(stream)
            let end = onEnd
            onEnd = nil
            onData = nil
            end?(Int32(nread) == UV_EOF.rawValue ? nil : UVError(code: Int32(nread), context: "read"))
        }
    }

    func didConnect(_ error: UVError?) {
        let done = onConnect
        onConnect = nil
        done?(error)
    }

    /// Queues `bytes` for writing. The bytes are copied; a failed write shows
    /// up as an error or end of stream on the reading side. What one loop
    /// iteration queues goes out in one `uv_write`, just before the loop next
    /// waits (a scheduler answering a batch of eight sends one write, not eight).
    public func write(_ bytes: [UInt8]) {
        guard !isClosing, !bytes.isEmpty else { return }
        outgoing.append(contentsOf: bytes)
        if flusher == nil { flusher = try? UVPrepare(loopOf: handle) }
        guard let flusher else { return flushWrites() }  // no handle to wait with: write now
        if !flusher.isActive { flusher.start { [unowned self] in self.flushWrites() } }
    }

    /// Hands everything queued to libuv in one write.
    func flushWrites() {
        flusher?.stop()
        guard !outgoing.isEmpty else { return }
        let count = outgoing.count
        let mem = UnsafeMutableRawPointer.allocate(byteCount: count, alignment: 1)
        outgoing.withUnsafeBytes { mem.copyMemory(from: $0.baseAddress!, byteCount: count) }
        outgoing.removeAll(keepingCapacity: true)
        let req = UnsafeMutablePointer<uv_write_t>.allocate(capacity: 1)
        req.pointee.data = mem
        writesIssued += 1
        var buf = uv_buf_init(mem.assumingMemoryBound(to: CChar.self), UInt32(count))
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
    override open func willClose() {
        // What was queued goes to libuv first, as a write made before the
        // close always did.
        flushWrites()
        flusher?.close()
        flusher = nil
        onData = nil
        onEnd = nil
        onConnect = nil
    }

    override open func didClose() {
        readBuffer?.deallocate()
        readBuffer = nil
    }
}

/// The stream events a C callback delivers, without the generic type.
protocol StreamEvents: AnyObject {
    var readArea: UnsafeMutableRawBufferPointer { get }
    func didRead(_ nread: Int)
    func didConnect(_ error: UVError?)
}

func streamOwner(_ h: UnsafeMutablePointer<uv_handle_t>?) -> StreamEvents {
    Unmanaged<AnyObject>.fromOpaque(h!.pointee.data!).takeUnretainedValue() as! StreamEvents
}

/// The connect callback every stream shares.
let streamConnected: uv_connect_cb = { req, status in
    let owner = streamOwner(UnsafeMutableRawPointer(req!.pointee.handle).assumingMemoryBound(to: uv_handle_t.self))
    let context = Unmanaged<ConnectContext>.fromOpaque(req!.pointee.data!).takeRetainedValue()
    req!.deallocate()
    owner.didConnect(status < 0 ? UVError(code: status, context: "connect \(context.address)") : nil)
}

/// What a pending connect remembers, for its error message.
final class ConnectContext {
    let address: String
    init(_ address: String) { self.address = address }
}

/// A connected byte stream of any kind (Unix socket, TCP), for the framing
/// above it.
public protocol ByteStream: AnyObject {
    func startReading(onData: @escaping (UnsafeRawBufferPointer) -> Void, onEnd: @escaping (UVError?) -> Void) throws
    func write(_ bytes: [UInt8])
    func close()
}
