import Foundation
import OpenInference

extension InferenceRequest {
    /// A `ModelInfer` request as Ferry's; tensors from `raw_input_contents`
    /// (what tritonclient sends) or the typed `contents`.
    public init(_ m: Inference_ModelInferRequest) throws(InferenceError) {
        if !m.rawInputContents.isEmpty && m.rawInputContents.count != m.inputs.count {
            throw .invalidArgument("\(m.rawInputContents.count) raw_input_contents for \(m.inputs.count) input(s)")
        }
        var tensors: [InferenceTensor] = []
        for (i, input) in m.inputs.enumerated() {
            guard let datatype = TensorDatatype(rawValue: input.datatype) else {
                throw .invalidArgument("input '\(input.name)': datatype '\(input.datatype)' is not one of \(TensorDatatype.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let elements = m.rawInputContents.isEmpty
                ? input.contents.elements(datatype)
                : try .fromRaw(m.rawInputContents[i], datatype: datatype, name: input.name)
            let tensor = InferenceTensor(name: input.name, datatype: datatype, shape: input.shape, elements: elements)
            try tensor.validate(role: "input")
            tensors.append(tensor)
        }
        self.init(id: m.id.isEmpty ? nil : m.id, modelName: m.modelName, modelVersion: m.modelVersion.isEmpty ? nil : m.modelVersion,
                  inputs: tensors, outputs: m.outputs.map { .init(name: $0.name) })
        if let p = m.parameters["priority"] {
            guard let v = p.wholeNumber, v >= 0 else { throw .invalidArgument("parameter 'priority' must be a whole number ≥ 0") }
            priority = v
        }
        if let t = m.parameters["timeout"] {
            guard let v = t.wholeNumber, v >= 0 else { throw .invalidArgument("parameter 'timeout' must be microseconds ≥ 0") }
            timeoutMicroseconds = v == 0 ? nil : v
        }
    }
}

extension Inference_InferParameter {
    var wholeNumber: Int64? {
        switch parameterChoice {
        case let .int64Param(v): v
        case let .uint64Param(v): Int64(exactly: v)
        default: nil
        }
    }
}

extension Inference_ModelInferRequest {
    /// Ferry's request as a `ModelInfer` call (tensors raw, as tritonclient sends them).
    public init(_ r: InferenceRequest) {
        self.init()
        modelName = r.modelName
        modelVersion = r.modelVersion ?? ""
        id = r.id ?? ""
        inputs = r.inputs.map { t in
            var input = InferInputTensor()
            input.name = t.name
            input.datatype = t.datatype.rawValue
            input.shape = t.shape
            return input
        }
        rawInputContents = r.inputs.map(\.elements.raw)
        outputs = r.outputs.map { o in
            var out = InferRequestedOutputTensor()
            out.name = o.name
            return out
        }
    }
}

extension Inference_ModelInferResponse {
    /// Ferry's answer as a `ModelInfer` response, tensors raw (as Triton answers).
    public init(_ r: InferenceResponse) {
        self.init()
        modelName = r.modelName
        modelVersion = r.modelVersion
        id = r.id ?? ""
        outputs = r.outputs.map { t in
            var out = InferOutputTensor()
            out.name = t.name
            out.datatype = t.datatype.rawValue
            out.shape = t.shape
            return out
        }
        rawOutputContents = r.outputs.map(\.elements.raw)
    }
}

extension InferenceResponse {
    /// A `ModelInfer` response as Ferry's (raw or typed contents).
    public init(_ m: Inference_ModelInferResponse) throws(InferenceError) {
        var tensors: [InferenceTensor] = []
        for (i, out) in m.outputs.enumerated() {
            guard let datatype = TensorDatatype(rawValue: out.datatype) else {
                throw .internal("output '\(out.name)': datatype '\(out.datatype)' is not one Ferry knows")
            }
            let elements = i < m.rawOutputContents.count
                ? try .fromRaw(m.rawOutputContents[i], datatype: datatype, name: out.name)
                : out.contents.elements(datatype)
            let tensor = InferenceTensor(name: out.name, datatype: datatype, shape: out.shape, elements: elements)
            do { try tensor.validate(role: "output") } catch { throw .internal(error.message) }
            tensors.append(tensor)
        }
        self.init(id: m.id.isEmpty ? nil : m.id, modelName: m.modelName, modelVersion: m.modelVersion, outputs: tensors)
    }
}

extension Inference_ModelMetadataResponse {
    public init(_ model: ModelMetadata) {
        self.init()
        name = model.name
        versions = model.versions
        platform = model.platform
        func tensors(_ list: [ModelMetadata.Tensor]) -> [TensorMetadata] {
            list.map { t in
                var m = TensorMetadata()
                m.name = t.name
                m.datatype = t.datatype.rawValue
                m.shape = t.shape
                return m
            }
        }
        inputs = tensors(model.inputs)
        outputs = tensors(model.outputs)
    }
}
