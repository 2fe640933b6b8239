import OpenInference

/// The model Ferry calls on an Open Inference Protocol server: one batch is
/// one request whose input has a row per item (shape `[N] + rowShape`), and
/// the answer's output is cut back into rows, one per item.
public struct UpstreamModel: Sendable, Equatable {
    public var name: String
    public var version: String?
    public var input: String
    public var output: String
    public var datatype: TensorDatatype
    /// The shape of one row: `[1]` gives `[N, 1]` (Triton's way for a model
    /// with a batch dimension), `[]` gives `[N]`.
    public var rowShape: [Int64]

    public init(name: String = "classifier", version: String? = nil, input: String = "TEXT", output: String = "LABEL",
                datatype: TensorDatatype = .bytes, rowShape: [Int64] = [1]) {
        self.name = name
        self.version = version
        self.input = input
        self.output = output
        self.datatype = datatype
        self.rowShape = rowShape
    }

    /// The request for one batch: each payload one row (a BYTES row is one
    /// element, the payload itself; a fixed-size row, its raw bytes).
    public func request(_ payloads: [[UInt8]]) -> InferenceRequest {
        let elements: InferenceTensor.Elements = datatype == .bytes ? .bytes(payloads) : .fixed(payloads.flatMap { $0 })
        let tensor = InferenceTensor(name: input, datatype: datatype, shape: [Int64(payloads.count)] + rowShape, elements: elements)
        return InferenceRequest(modelName: name, modelVersion: version, inputs: [tensor], outputs: [.init(name: output)])
    }

    /// One answer per item from the model's answer, or why it cannot be had.
    public func rows(of response: InferenceResponse, count: Int, upstream: String) -> Result<[[UInt8]], UpstreamCallError> {
        guard let tensor = response.outputs.first(where: { $0.name == output }) else {
            let names = response.outputs.map(\.name).joined(separator: ", ")
            return .failure(.final("upstream \(upstream) answered model '\(name)' without output '\(output)' (it sent: \(names.isEmpty ? "none" : names))"))
        }
        do { try tensor.validate(role: "output") } catch {
            return .failure(.final("upstream \(upstream) answered model '\(name)' with \(error.message)"))
        }
        guard tensor.rowCount == count else {
            return .failure(.final("upstream \(upstream) answered output '\(output)' of shape \(tensor.shape) for \(count) row(s)"))
        }
        return .success(tensor.rows())
    }
}
