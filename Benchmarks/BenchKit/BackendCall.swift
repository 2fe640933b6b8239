/// One line of the worker's call log (`--worker-call-log`): one backend call.
/// Fields are named as the worker writes them, so the type decodes the log
/// with no key mapping.
public struct BackendCall: Decodable, Sendable {
    public let batch: UInt64
    /// The model whose backend ran it.
    public let model: String
    public let items: Int
    /// Monotonic nanoseconds.
    public let start_ns: Int64
    public let end_ns: Int64
    /// How many of the items failed.
    public let failed: Int
    /// Each item's payload key (FNV-1a 64-bit, 16 hex digits), in batch order.
    public let keys: [String]
    /// Each item's size (the scheduler's cost hint: characters of a text), in batch order.
    public let sizes: [UInt64]?
}
