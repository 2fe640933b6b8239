/// Why a byte stream could not be decoded. The connection that produced it
/// should be closed; nothing else is affected.
public enum WireError: Error, Equatable, CustomStringConvertible {
    /// The length field asks for more than the decoder allows.
    case frameTooLarge(length: UInt32, limit: UInt32)
    /// A zero-length frame (no message type).
    case emptyFrame
    /// The message type byte is not one this version knows.
    case unknownType(UInt8)
    /// A field ran past the end of its frame.
    case truncated(type: UInt8, needed: Int, available: Int)
    /// A frame had bytes left over after its last field.
    case trailingBytes(type: UInt8, count: Int)
    /// A string field is not valid UTF-8.
    case invalidUTF8(type: UInt8)
    /// A status byte is not a known `Status`.
    case unknownStatus(UInt8)
    /// The stream ended in the middle of a frame.
    case endOfStreamInFrame(buffered: Int)
    /// A field holds a value its type does not allow.
    case badField(type: UInt8, field: String, value: UInt64)

    public var description: String {
        switch self {
        case let .frameTooLarge(length, limit): "frame of \(length) bytes exceeds the limit of \(limit)"
        case .emptyFrame: "empty frame (no message type)"
        case let .unknownType(t): "unknown message type \(t)"
        case let .truncated(t, needed, available): "message type \(t) truncated: needed \(needed) more bytes, \(available) left"
        case let .trailingBytes(t, n): "message type \(t) has \(n) unexpected trailing bytes"
        case let .invalidUTF8(t): "message type \(t) has a string that is not UTF-8"
        case let .badField(t, field, value): "message type \(t) has \(field) = \(value), which is not allowed"
        case let .unknownStatus(s): "unknown status \(s)"
        case let .endOfStreamInFrame(n): "stream ended inside a frame (\(n) bytes buffered)"
        }
    }
}
