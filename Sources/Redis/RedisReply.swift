import CRedis

/// One Redis reply, copied out of hiredis' `redisReply` (which hiredis frees
/// when the callback returns).
public enum RedisReply: Equatable, Sendable {
    case string([UInt8])
    case status(String)
    case error(String)
    case integer(Int64)
    case array([RedisReply])
    case null

    init(_ reply: UnsafePointer<redisReply>) {
        let r = reply.pointee
        switch r.type {
        case REDIS_REPLY_STRING:
            self = .string(r.str.map { Array(UnsafeRawBufferPointer(start: $0, count: r.len)) } ?? [])
        case REDIS_REPLY_STATUS:
            self = .status(r.str.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: r.len), as: UTF8.self) } ?? "")
        case REDIS_REPLY_ERROR:
            self = .error(r.str.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: r.len), as: UTF8.self) } ?? "")
        case REDIS_REPLY_INTEGER:
            self = .integer(Int64(r.integer))
        case REDIS_REPLY_ARRAY:
            self = .array((0..<r.elements).compactMap { i in r.element[i].map { RedisReply(UnsafePointer($0)) } })
        default:
            self = .null
        }
    }

    /// A bulk or status reply as text.
    public var text: String? {
        switch self {
        case let .string(bytes): String(decoding: bytes, as: UTF8.self)
        case let .status(s): s
        default: nil
        }
    }

    public var elements: [RedisReply]? {
        if case let .array(a) = self { return a }
        return nil
    }

    public var errorMessage: String? {
        if case let .error(e) = self { return e }
        return nil
    }
}
