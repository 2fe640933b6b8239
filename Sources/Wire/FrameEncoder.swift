/// Turns messages into frames. Pure: no I/O, no state.
public enum FrameEncoder {
    /// Appends the frame for `message` to `buffer`.
    public static func encode(_ message: Message, into buffer: inout [UInt8]) {
        let start = buffer.count
        buffer.append(contentsOf: [0, 0, 0, 0])  // length, patched below
        var w = Writer(buffer: buffer)
        switch message {
        case let .hello(version, role):
            w.u8(MessageType.hello.rawValue); w.u16(version); w.string(role)
        case .ready:
            w.u8(MessageType.ready.rawValue)
        case let .capacity(model, limit, slots):
            w.u8(MessageType.capacity.rawValue); w.string(model); w.u32(limit); w.u32(slots)
        case let .submit(s):
            w.u8(MessageType.submit.rawValue)
            w.u64(s.id); w.string(s.model); w.string(s.client); w.u32(UInt32(bitPattern: s.priority))
            w.u64(s.cost); w.u32(s.timeoutMs); w.bytes(s.payload)
        case let .result(r):
            w.u8(MessageType.result.rawValue); w.u64(r.id); w.u8(r.status.rawValue); w.u32(r.retryAfterMs); w.bytes(r.body)
        case let .batch(b):
            w.u8(MessageType.batch.rawValue); w.u64(b.batchID); w.string(b.model); w.u32(UInt32(b.items.count))
            for item in b.items { w.u64(item.id); w.u64(item.cost); w.bytes(item.payload) }
        case let .batchResult(r):
            w.u8(MessageType.batchResult.rawValue); w.u64(r.batchID); w.u64(r.serviceNs)
            w.u32(UInt32(r.outcomes.count))
            for o in r.outcomes { w.u8(o.status.rawValue); w.bytes(o.body) }
        case let .cancel(id):
            w.u8(MessageType.cancel.rawValue); w.u64(id)
        case .drain:
            w.u8(MessageType.drain.rawValue)
        case let .ping(seq):
            w.u8(MessageType.ping.rawValue); w.u64(seq)
        case let .pong(seq):
            w.u8(MessageType.pong.rawValue); w.u64(seq)
        case let .status(st):
            w.u8(MessageType.status.rawValue)
            w.string(st.model); w.u32(st.queued); w.u32(st.inFlight); w.u32(st.highWater); w.u32(st.maxQueued); w.u32(st.drainPerS)
            w.string(st.strategy); w.string(st.degraded); w.string(st.cost)
        case let .metrics(source, text):
            w.u8(MessageType.metrics.rawValue); w.string(source); w.bytes(text)
        case let .childExited(role, crashed, detail):
            w.u8(MessageType.childExited.rawValue); w.string(role); w.u8(crashed ? 1 : 0); w.string(detail)
        case let .challenge(nonce):
            w.u8(MessageType.challenge.rawValue); w.bytes(nonce)
        case let .proof(mac):
            w.u8(MessageType.proof.rawValue); w.bytes(mac)
        }
        buffer = w.buffer
        let length = UInt32(buffer.count - start - 4)
        buffer[start] = UInt8(truncatingIfNeeded: length >> 24)
        buffer[start + 1] = UInt8(truncatingIfNeeded: length >> 16)
        buffer[start + 2] = UInt8(truncatingIfNeeded: length >> 8)
        buffer[start + 3] = UInt8(truncatingIfNeeded: length)
    }

    /// The frame for `message` as a new array.
    public static func encode(_ message: Message) -> [UInt8] {
        var out: [UInt8] = []
        encode(message, into: &out)
        return out
    }
}

private struct Writer {
    var buffer: [UInt8]
    mutating func u8(_ v: UInt8) { buffer.append(v) }
    mutating func u16(_ v: UInt16) { buffer.append(UInt8(v >> 8)); buffer.append(UInt8(truncatingIfNeeded: v)) }
    mutating func u32(_ v: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) { buffer.append(UInt8(truncatingIfNeeded: v >> UInt32(shift))) }
    }
    mutating func u64(_ v: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) { buffer.append(UInt8(truncatingIfNeeded: v >> UInt64(shift))) }
    }
    mutating func string(_ s: String) {
        // Strings are short identifiers; anything longer than u16 is cut at a
        // character boundary rather than producing an invalid frame.
        var utf8 = Array(s.utf8)
        if utf8.count > Int(UInt16.max) {
            utf8 = Array(String(decoding: utf8.prefix(Int(UInt16.max) - 4), as: UTF8.self).utf8)
        }
        u16(UInt16(utf8.count)); buffer.append(contentsOf: utf8)
    }
    mutating func bytes(_ b: [UInt8]) { u32(UInt32(b.count)); buffer.append(contentsOf: b) }
}
