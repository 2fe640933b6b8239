/// Checks a request against its model and cuts it into items: one payload per
/// row of the input tensor (its first dimension), so a request of N rows is
/// N items for the scheduler, batched with everyone else's.
public struct RequestCheck: Sendable {
    public var model: ModelMetadata
    /// Longest BYTES element accepted, in characters (Unicode scalars), as
    /// `/proxy_classify` counts a text.
    public var maxTextLength: Int
    /// Most rows one request may hold (more than the queue can ever take is refused).
    public var maxRows: Int

    public init(model: ModelMetadata, maxTextLength: Int = 100_000, maxRows: Int = 10_000) {
        self.model = model
        self.maxTextLength = maxTextLength
        self.maxRows = maxRows
    }

    /// The accepted request's rows, and the outputs to answer with.
    public struct Plan: Equatable, Sendable {
        public var rows: [[UInt8]]
        /// The input's shape: the output has the same rows (one element a row
        /// keeps the input's shape, `[N]` or `[N, 1]`; longer rows come back `[N, k]`).
        public var inputShape: [Int64]
        public var outputs: [InferenceRequest.RequestedOutput]
    }

    public func plan(_ request: InferenceRequest) throws(InferenceError) -> Plan {
        try model.check(version: request.modelVersion)
        guard model.inputs.count == 1, let spec = model.inputs.first else {
            throw .internal("model '\(model.name)' declares \(model.inputs.count) inputs; Ferry batches models of one input")
        }
        guard request.inputs.count == 1, let input = request.inputs.first else {
            throw .invalidArgument("model '\(model.name)' takes 1 input ('\(spec.name)'), got \(request.inputs.count)")
        }
        guard input.name == spec.name else {
            throw .invalidArgument("model '\(model.name)' has no input '\(input.name)'; expected '\(spec.name)'")
        }
        guard input.datatype == spec.datatype else {
            throw .invalidArgument("input '\(input.name)' of model '\(model.name)' is \(spec.datatype.rawValue), got \(input.datatype.rawValue)")
        }
        guard (input.shape.first ?? 0) >= 1, input.shape.allSatisfy({ $0 >= 0 }) else {
            throw .invalidArgument("input '\(input.name)' has shape \(input.shape); expected [rows, …] with at least one row")
        }
        // Each row must match the model's per-row shape ([-1] means one element a row).
        let rowShape = Array(input.shape.dropFirst())
        let specRow = Array(spec.shape.dropFirst())
        let fits = rowShape.count == specRow.count && zip(rowShape, specRow).allSatisfy { $1 < 0 || $0 == $1 }
        let oneElementRows = (rowShape == [1] && specRow.isEmpty) || (rowShape.isEmpty && specRow == [1])
        guard fits || oneElementRows else {
            throw .invalidArgument("input '\(input.name)' has shape \(input.shape); model '\(model.name)' expects \(spec.shape) (first dimension: rows)")
        }
        try input.validate(role: "input")
        if input.rowCount > maxRows {
            throw .invalidArgument("input '\(input.name)' has \(input.rowCount) rows, over the limit of \(maxRows) a request (the queue bound)")
        }
        if case let .bytes(values) = input.elements {
            for (i, v) in values.enumerated() where v.count > maxTextLength {  // bytes ≥ characters: count only the long ones
                let length = String(decoding: v, as: UTF8.self).unicodeScalars.count
                if length > maxTextLength {
                    throw .invalidArgument("input '\(input.name)' element \(i) is \(length) characters, over the limit of \(maxTextLength)")
                }
            }
        }
        for out in request.outputs where !model.outputs.contains(where: { $0.name == out.name }) {
            throw .invalidArgument("model '\(model.name)' has no output '\(out.name)'; it has \(model.outputs.map(\.name).joined(separator: ", "))")
        }
        let outputs = request.outputs.isEmpty
            ? model.outputs.map { InferenceRequest.RequestedOutput(name: $0.name, binary: request.binaryOutput) }
            : request.outputs.map { .init(name: $0.name, binary: $0.binary || request.binaryOutput) }
        return Plan(rows: input.rows(), inputShape: input.shape, outputs: outputs)
    }

    /// The answer from each row's result (in row order), for one output of one element per row.
    public func response(to request: InferenceRequest, plan: Plan, results: [[UInt8]]) throws(InferenceError) -> InferenceResponse {
        var tensors: [InferenceTensor] = []
        for out in plan.outputs {
            guard let spec = model.outputs.first(where: { $0.name == out.name }) else { continue }
            // One element a row (the classifier: a label per text) keeps the input's
            // shape, [N] or [N,1]; longer rows come back as [N, elements a row].
            let perRow = Self.elementsPerRow(results, datatype: spec.datatype)
            let inputRowsOfOne = plan.inputShape.dropFirst().allSatisfy { $0 == 1 }
            // A model that declares its output's row shape ([-1, 1], [-1, 2, 3]) answers in it.
            let specRow = Array(spec.shape.dropFirst())
            let declared = !specRow.isEmpty && specRow.allSatisfy { $0 >= 0 } && specRow.reduce(1, *) == Int64(perRow)
            let shape: [Int64] = declared ? [Int64(results.count)] + specRow : perRow == 1
                ? (inputRowsOfOne ? [Int64(results.count)] + plan.inputShape.dropFirst() : [Int64(results.count)])
                : [Int64(results.count), Int64(perRow)]
            tensors.append(try InferenceTensor.joining(rows: results, name: spec.name, datatype: spec.datatype, shape: shape))
        }
        return InferenceResponse(id: request.id, modelName: model.name, modelVersion: request.modelVersion ?? model.versions.first ?? "1",
                                 outputs: tensors)
    }

    /// Elements in one row's result (1 for a BYTES row that is one value).
    static func elementsPerRow(_ rows: [[UInt8]], datatype: TensorDatatype) -> Int {
        guard let first = rows.first else { return 1 }
        if let size = datatype.elementSize { return max(1, first.count / size) }
        return 1
    }
}
