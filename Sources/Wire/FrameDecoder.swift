/// Splits a byte stream into messages.
///
/// Feed it whatever a read returned (`append`), then take messages with
/// `next()` until it returns nil. It never trusts a length field: a frame over
/// `maximumFrameSize` is refused before anything is buffered for it, and every
/// count inside a frame is checked against the bytes actually present, so a
/// hostile peer cannot make it allocate more than one frame's worth.
public struct FrameDecoder {
    /// Default cap on one frame: generous for a batch of long texts, small
    /// enough that a garbage length cannot exhaust memory.
    public static let defaultMaximumFrameSize: UInt32 = 16 << 20

    public let maximumFrameSize: UInt32
    private var buffer: [UInt8] = []
    private var readIndex = 0

    public init(maximumFrameSize: UInt32 = FrameDecoder.defaultMaximumFrameSize) {
        self.maximumFrameSize = maximumFrameSize
    }

    /// Bytes received but not yet decoded.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// Adds bytes read from the stream.
    public mutating func append<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        buffer.append(contentsOf: bytes)
    }

    /// The next complete message, or nil when more bytes are needed.
    /// After an error the stream is unusable; close the connection.
    public mutating func next() throws(WireError) -> Message? {
        guard bufferedByteCount >= 4 else { compact(); return nil }
        let b = readIndex
        let length = UInt32(buffer[b]) << 24 | UInt32(buffer[b + 1]) << 16 | UInt32(buffer[b + 2]) << 8 | UInt32(buffer[b + 3])
        guard length <= maximumFrameSize else { throw .frameTooLarge(length: length, limit: maximumFrameSize) }
        guard length > 0 else { throw .emptyFrame }
        guard bufferedByteCount >= 4 + Int(length) else { compact(); return nil }
        let bodyStart = b + 4
        let bodyEnd = bodyStart + Int(length)
        readIndex = bodyEnd
        let decoded = buffer.withUnsafeBytes { raw -> Result<Message, WireError> in
            var reader = Reader(bytes: UnsafeRawBufferPointer(rebasing: raw[bodyStart..<bodyEnd]))
            do throws(WireError) { return .success(try reader.message()) } catch { return .failure(error) }
        }
        return try decoded.get()
    }

    /// Call when the stream ends: a partial frame left over is an error.
    public func finish() throws(WireError) {
        if bufferedByteCount > 0 { throw .endOfStreamInFrame(buffered: bufferedByteCount) }
    }

    private mutating func compact() {
        // Drop consumed bytes once they dominate, keeping appends amortised O(1).
        if readIndex > 0 && readIndex >= buffer.count / 2 {
            buffer.removeFirst(readIndex)
            readIndex = 0
        }
    }
}

/// Reads fields of one frame body, checking every length against what is left.
private struct Reader {
    let bytes: UnsafeRawBufferPointer
    var index = 0
    var type: UInt8 = 0

    init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var remaining: Int { bytes.count - index }

    mutating func need(_ n: Int) throws(WireError) {
        if remaining < n { throw .truncated(type: type, needed: n, available: remaining) }
    }
    mutating func u8() throws(WireError) -> UInt8 {
        try need(1); defer { index += 1 }; return bytes[index]
    }
    mutating func u16() throws(WireError) -> UInt16 {
        try need(2); defer { index += 2 }
        return UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1])
    }
    mutating func u32() throws(WireError) -> UInt32 {
        try need(4); var v: UInt32 = 0
        for i in 0..<4 { v = v << 8 | UInt32(bytes[index + i]) }
        index += 4; return v
    }
    mutating func u64() throws(WireError) -> UInt64 {
        try need(8); var v: UInt64 = 0
        for i in 0..<8 { v = v << 8 | UInt64(bytes[index + i]) }
        index += 8; return v
    }
    mutating func string() throws(WireError) -> String {
        let n = Int(try u16()); try need(n)
        defer { index += n }
        let raw = UnsafeRawBufferPointer(rebasing: bytes[index..<index + n])
        // `String(validating:as:)` instantiates generic metadata on every
        // call (`perf`: a tenth of the scheduler's time); decoding repairs
        // invalid UTF-8 instead, which the comparison catches.
        let s = String(decoding: raw, as: UTF8.self)
        guard s.utf8.elementsEqual(raw) else { throw .invalidUTF8(type: type) }
        return s
    }
    mutating func rawBytes() throws(WireError) -> [UInt8] {
        let n = Int(try u32()); try need(n)
        defer { index += n }
        return Array(bytes[index..<index + n])
    }
    mutating func status() throws(WireError) -> Status {
        let raw = try u8()
        guard let s = Status(rawValue: raw) else { throw .unknownStatus(raw) }
        return s
    }
    /// A count of elements, each at least `minimumSize` bytes: refused when
    /// the frame cannot possibly hold that many, before anything is reserved.
    mutating func count(minimumSize: Int) throws(WireError) -> Int {
        let n = Int(try u32())
        if n > remaining / minimumSize { throw .truncated(type: type, needed: n * minimumSize, available: remaining) }
        return n
    }

    mutating func message() throws(WireError) -> Message {
        let raw = try u8()
        type = raw
        guard let kind = MessageType(rawValue: raw) else { throw .unknownType(raw) }
        let m: Message
        switch kind {
        case .hello:
            let version = try u16()
            m = .hello(version: version, role: try string())
        case .ready:
            m = .ready
        case .capacity:
            let model = try string(), limit = try u32()
            m = .capacity(model: model, batchLimit: limit, slots: try u32())
        case .submit:
            let id = try u64(), model = try string(), client = try string(), priority = Int32(bitPattern: try u32())
            let cost = try u64(), timeout = try u32(), payload = try rawBytes()
            m = .submit(Submit(id: id, model: model, client: client, priority: priority, cost: cost, timeoutMs: timeout, payload: payload))
        case .result:
            let id = try u64(), status = try status(), retry = try u32(), body = try rawBytes()
            m = .result(RequestResult(id: id, status: status, retryAfterMs: retry, body: body))
        case .batch:
            let batchID = try u64(), model = try string()
            let n = try count(minimumSize: 20)
            var items: [Batch.Item] = []
            items.reserveCapacity(n)
            for _ in 0..<n {
                let id = try u64(), cost = try u64()
                items.append(.init(id: id, cost: cost, payload: try rawBytes()))
            }
            m = .batch(Batch(batchID: batchID, model: model, items: items))
        case .batchResult:
            let batchID = try u64(), serviceNs = try u64()
            let n = try count(minimumSize: 5)
            var outcomes: [BatchResult.Outcome] = []
            outcomes.reserveCapacity(n)
            for _ in 0..<n {
                let status = try status()
                outcomes.append(.init(status: status, body: try rawBytes()))
            }
            m = .batchResult(BatchResult(batchID: batchID, serviceNs: serviceNs, outcomes: outcomes))
        case .cancel:
            m = .cancel(id: try u64())
        case .drain:
            m = .drain
        case .ping:
            m = .ping(sequence: try u64())
        case .pong:
            m = .pong(sequence: try u64())
        case .status:
            let model = try string()
            let queued = try u32(), inFlight = try u32(), high = try u32(), maxQueued = try u32(), drain = try u32()
            let strategy = try string(), degraded = try string(), cost = try string()
            m = .status(SchedulerStatus(model: model, queued: queued, inFlight: inFlight, highWater: high, maxQueued: maxQueued,
                                        drainPerS: drain, strategy: strategy, degraded: degraded, cost: cost))
        case .metrics:
            let source = try string()
            m = .metrics(source: source, text: try rawBytes())
        case .childExited:
            let role = try string(), crashed = try u8()
            guard crashed <= 1 else { throw .badField(type: raw, field: "crashed", value: UInt64(crashed)) }
            m = .childExited(role: role, crashed: crashed == 1, detail: try string())
        case .challenge:
            m = .challenge(nonce: try rawBytes())
        case .proof:
            m = .proof(mac: try rawBytes())
        }
        if remaining != 0 { throw .trailingBytes(type: raw, count: remaining) }
        return m
    }
}
