import CostModel
import OpenInference

/// A model the ingress serves: what its metadata says (and requests are
/// checked against) and the bounds on one request for it.
public struct ServedModel: Sendable {
    public var metadata: ModelMetadata
    /// Most rows one request may hold: the model's queue bound (more could never be queued).
    public var maxRows: Int
    /// Longest text, in characters, as `/proxy_classify` counts it.
    public var maxTextLength: Int
    /// Deadline for a request that sets none; 0 means none.
    public var defaultTimeoutMs: UInt32
    /// What a row's size, the cost law's input, counts.
    public var itemSize: ItemSize

    public var name: String { metadata.name }

    public init(metadata: ModelMetadata, maxRows: Int = 10_000, maxTextLength: Int = 100_000, defaultTimeoutMs: UInt32 = 0,
                itemSize: ItemSize = .characters) {
        self.metadata = metadata
        self.maxRows = maxRows
        self.maxTextLength = maxTextLength
        self.defaultTimeoutMs = defaultTimeoutMs
        self.itemSize = itemSize
    }
}
