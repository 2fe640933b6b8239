/// What the protocol's metadata calls return about a model; also what Ferry
/// checks a request against.
public struct ModelMetadata: Equatable, Sendable {
    public struct Tensor: Equatable, Sendable {
        public var name: String
        public var datatype: TensorDatatype
        /// -1 marks a variable dimension; the first is the batch (row) dimension.
        public var shape: [Int64]
        public init(name: String, datatype: TensorDatatype, shape: [Int64]) {
            self.name = name
            self.datatype = datatype
            self.shape = shape
        }
    }

    public var name: String
    public var versions: [String]
    public var platform: String
    public var inputs: [Tensor]
    public var outputs: [Tensor]

    public init(name: String, versions: [String] = ["1"], platform: String = "ferry", inputs: [Tensor], outputs: [Tensor]) {
        self.name = name
        self.versions = versions
        self.platform = platform
        self.inputs = inputs
        self.outputs = outputs
    }

    /// NOT_FOUND unless `version` (nil or empty: any) is one of the model's.
    public func check(version: String?) throws(InferenceError) {
        if let version, !version.isEmpty, !versions.contains(version) {
            throw .notFound("model '\(name)' has no version '\(version)'; it has \(versions.joined(separator: ", "))")
        }
    }

    /// The seed's model: texts in, "code" / "not code" out.
    public static func classifier(name: String = "classifier") -> ModelMetadata {
        ModelMetadata(name: name, inputs: [.init(name: "TEXT", datatype: .bytes, shape: [-1])],
                      outputs: [.init(name: "LABEL", datatype: .bytes, shape: [-1])])
    }
}
