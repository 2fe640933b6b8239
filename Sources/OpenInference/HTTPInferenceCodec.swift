import Foundation

/// The protocol's HTTP/JSON form, with the binary tensor data extension: a
/// JSON header (its length in `Inference-Header-Content-Length`) followed by
/// the raw bytes of the tensors whose `binary_data_size` parameter is set, in
/// the order the header names them. Pure: no server types, so tests and the
/// fuzzer drive it directly.
public enum HTTPInferenceCodec {
    /// The header that carries the JSON part's length.
    public static let headerLengthField = "Inference-Header-Content-Length"

    // MARK: Requests

    /// Decodes `POST /v2/models/{model}[/versions/{version}]/infer`.
    public static func decodeRequest(body: [UInt8], headerLength: Int?, model: String, version: String?) throws(InferenceError) -> InferenceRequest {
        let jsonEnd = headerLength ?? body.count
        guard jsonEnd >= 0, jsonEnd <= body.count else {
            throw .invalidArgument("\(headerLengthField) is \(jsonEnd), but the body has only \(body.count) bytes")
        }
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: Data(body[0..<jsonEnd])) } catch {
            throw .invalidArgument("the request's JSON does not parse: \(error.localizedDescription)")
        }
        guard let fields = object as? [String: Any] else { throw .invalidArgument("the request must be a JSON object") }
        guard let inputs = fields["inputs"] as? [Any] else { throw .invalidArgument("the request has no 'inputs' array") }
        var binary = body[jsonEnd...]
        var tensors: [InferenceTensor] = []
        for (i, raw) in inputs.enumerated() {
            guard let input = raw as? [String: Any] else { throw .invalidArgument("inputs[\(i)] is not an object") }
            tensors.append(try decodeTensor(input, role: "input", index: i, binary: &binary))
        }
        guard binary.isEmpty else {
            throw .invalidArgument("\(binary.count) byte(s) after the tensors that binary_data_size parameters account for")
        }
        var outputs: [InferenceRequest.RequestedOutput] = []
        if let list = fields["outputs"] {
            guard let list = list as? [Any] else { throw .invalidArgument("'outputs' must be an array") }
            for (i, raw) in list.enumerated() {
                guard let out = raw as? [String: Any], let name = out["name"] as? String else {
                    throw .invalidArgument("outputs[\(i)] needs a 'name'")
                }
                let params = out["parameters"] as? [String: Any] ?? [:]
                if params["classification"] != nil { throw .invalidArgument("output '\(name)': the classification extension is not supported") }
                outputs.append(.init(name: name, binary: bool(params["binary_data"]) ?? false))
            }
        }
        let params = fields["parameters"] as? [String: Any] ?? [:]
        let id: String? = fields["id"].flatMap { $0 as? String }
        var request = InferenceRequest(id: id, modelName: model, modelVersion: version, inputs: tensors, outputs: outputs,
                                       binaryOutput: bool(params["binary_data_output"]) ?? false)
        if let p = params["priority"] {
            guard let v = integer(p), v >= 0 else { throw .invalidArgument("parameter 'priority' must be a whole number ≥ 0, got \(p)") }
            request.priority = v
        }
        if let t = params["timeout"] {
            guard let v = integer(t), v >= 0 else { throw .invalidArgument("parameter 'timeout' must be microseconds ≥ 0, got \(t)") }
            request.timeoutMicroseconds = v == 0 ? nil : v
        }
        return request
    }

    /// One tensor of a request's `inputs` or an answer's `outputs` (`role`).
    static func decodeTensor(_ input: [String: Any], role: String, index i: Int, binary: inout ArraySlice<UInt8>) throws(InferenceError) -> InferenceTensor {
        guard let name = input["name"] as? String else { throw .invalidArgument("\(role)s[\(i)] needs a 'name'") }
        let role = "\(role) '\(name)'"
        guard let typeName = input["datatype"] as? String, let datatype = TensorDatatype(rawValue: typeName) else {
            throw .invalidArgument("\(role): 'datatype' must be one of \(TensorDatatype.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let dims = input["shape"] as? [Any], let shape = Optional(dims.compactMap(integer)), shape.count == dims.count else {
            throw .invalidArgument("\(role): 'shape' must be an array of whole numbers")
        }
        guard let total = InferenceTensor.elementCount(of: shape) else {
            throw .invalidArgument("\(role): shape \(shape) is negative or over \(InferenceTensor.maxElements) elements")
        }
        let count = Int(total)
        let params = input["parameters"] as? [String: Any] ?? [:]
        if let sizeValue = params["binary_data_size"] {
            guard let size = integer(sizeValue), size >= 0, Int(size) <= binary.count else {
                throw .invalidArgument("\(role): binary_data_size \(sizeValue) is more than the \(binary.count) byte(s) left in the body")
            }
            let raw = binary.prefix(Int(size))
            binary = binary.dropFirst(Int(size))
            if datatype == .bytes {
                guard let values = RawBytes.decode(Array(raw)) else {
                    throw .invalidArgument("\(role): BYTES data is not a series of 4-byte little-endian lengths and bytes")
                }
                guard values.count == count else {
                    throw .invalidArgument("\(role): \(values.count) BYTES element(s) for shape \(shape)")
                }
                return InferenceTensor(name: name, datatype: .bytes, shape: shape, elements: .bytes(values))
            }
            guard raw.count == count * (datatype.elementSize ?? 0) else {
                throw .invalidArgument("\(role): \(raw.count) byte(s) of \(typeName) for shape \(shape) (expected \(count * (datatype.elementSize ?? 0)))")
            }
            return InferenceTensor(name: name, datatype: datatype, shape: shape, elements: .fixed(Array(raw)))
        }
        guard let data = input["data"] else { throw .invalidArgument("\(role) has neither 'data' nor a binary_data_size parameter") }
        var flat: [Any] = []
        flatten(data, into: &flat)
        guard flat.count == count else {
            throw .invalidArgument("\(role): \(flat.count) element(s) in 'data' for shape \(shape)")
        }
        if datatype == .bytes {
            var values: [[UInt8]] = []
            for v in flat {
                guard let s = v as? String else { throw .invalidArgument("\(role): BYTES data must be strings") }
                values.append(Array(s.utf8))
            }
            return InferenceTensor(name: name, datatype: .bytes, shape: shape, elements: .bytes(values))
        }
        var raw: [UInt8] = []
        raw.reserveCapacity(count * (datatype.elementSize ?? 1))
        for v in flat {
            guard let number = v as? NSNumber, appendLittleEndian(number, datatype, to: &raw) else {
                throw .invalidArgument("\(role): '\(v)' is not a \(typeName) value")
            }
        }
        return InferenceTensor(name: name, datatype: datatype, shape: shape, elements: .fixed(raw))
    }

    /// A request as a client sends it (Ferry to a model server): JSON tensors,
    /// or the binary extension for every input when `binary` (then the JSON
    /// part's length is returned, for `Inference-Header-Content-Length`).
    /// Outputs are asked for in binary when `binary` or the output says so.
    public static func encodeRequest(_ request: InferenceRequest, binary: Bool) -> (body: [UInt8], headerLength: Int?) {
        if !binary, let text = encodeTextRequest(request) { return (text, nil) }
        return encodeGeneralRequest(request, binary: binary)
    }

    /// Every input text, in JSON (the worker's call for a batch of texts):
    /// written directly, the same bytes as `encodeGeneralRequest` (keys
    /// sorted; checked against it in the tests). Through JSONSerialization
    /// it was a quarter of the worker's CPU per call. Nil for any other request.
    static func encodeTextRequest(_ request: InferenceRequest) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        func text(_ s: String) { appendJSONString(s, to: &out) }
        func raw(_ s: StaticString) { out.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount)) }
        func number(_ n: Int64) { out.append(contentsOf: String(n).utf8) }
        raw("{")
        if let id = request.id {
            raw("\"id\":")
            text(id)
            raw(",")
        }
        raw("\"inputs\":[")
        for (i, t) in request.inputs.enumerated() {
            guard case let .bytes(values) = t.elements else { return nil }
            if i > 0 { raw(",") }
            raw("{\"data\":[")
            for (j, v) in values.enumerated() {
                if j > 0 { raw(",") }
                text(String(decoding: v, as: UTF8.self))
            }
            raw("],\"datatype\":")
            text(t.datatype.rawValue)
            raw(",\"name\":")
            text(t.name)
            raw(",\"shape\":[")
            for (j, d) in t.shape.enumerated() {
                if j > 0 { raw(",") }
                number(d)
            }
            raw("]}")
        }
        raw("]")
        if !request.outputs.isEmpty {
            raw(",\"outputs\":[")
            for (i, o) in request.outputs.enumerated() {
                if i > 0 { raw(",") }
                raw("{\"name\":")
                text(o.name)
                raw(o.binary ? ",\"parameters\":{\"binary_data\":true}}" : ",\"parameters\":{\"binary_data\":false}}")
            }
            raw("]")
        }
        if request.priority != 0 || request.timeoutMicroseconds != nil {
            raw(",\"parameters\":{")
            if request.priority != 0 {
                raw("\"priority\":")
                number(request.priority)
            }
            if let t = request.timeoutMicroseconds {
                if request.priority != 0 { raw(",") }
                raw("\"timeout\":")
                number(t)
            }
            raw("}")
        }
        raw("}")
        return out
    }

    /// Any request, through JSONSerialization.
    static func encodeGeneralRequest(_ request: InferenceRequest, binary: Bool) -> (body: [UInt8], headerLength: Int?) {
        var raw: [UInt8] = []
        let inputs: [[String: Any]] = request.inputs.map { t in
            var input = tensorHeader(t)
            if binary {
                let bytes = rawBytes(t)
                input["parameters"] = ["binary_data_size": bytes.count]
                raw += bytes
            } else {
                input["data"] = jsonData(t)
            }
            return input
        }
        var top: [String: Any] = ["inputs": inputs]
        if !request.outputs.isEmpty {
            top["outputs"] = request.outputs.map { ["name": $0.name, "parameters": ["binary_data": binary || $0.binary]] as [String: Any] }
        }
        if let id = request.id { top["id"] = id }
        var parameters: [String: Any] = [:]
        if request.priority != 0 { parameters["priority"] = request.priority }
        if let t = request.timeoutMicroseconds { parameters["timeout"] = t }
        if !parameters.isEmpty { top["parameters"] = parameters }
        let header = jsonBytes(top)
        return binary ? (header + raw, header.count) : (header, nil)
    }

    /// An answer as a client reads it: JSON outputs, or binary ones after a
    /// JSON part of `headerLength` bytes.
    public static func decodeResponse(body: [UInt8], headerLength: Int?) throws(InferenceError) -> InferenceResponse {
        let jsonEnd = headerLength ?? body.count
        guard jsonEnd >= 0, jsonEnd <= body.count,
              let fields = (try? JSONSerialization.jsonObject(with: Data(body[0..<jsonEnd]))) as? [String: Any] else {
            throw .internal("the answer is not a JSON object: \(String(decoding: body.prefix(200), as: UTF8.self))")
        }
        guard let outputs = fields["outputs"] as? [Any] else { throw .internal("the answer has no 'outputs' array") }
        var binary = body[jsonEnd...]
        var tensors: [InferenceTensor] = []
        for (i, raw) in outputs.enumerated() {
            guard let output = raw as? [String: Any] else { throw .internal("outputs[\(i)] is not an object") }
            do { tensors.append(try decodeTensor(output, role: "output", index: i, binary: &binary)) } catch {
                throw .internal("the answer's \(error.message)")
            }
        }
        return InferenceResponse(id: fields["id"] as? String, modelName: fields["model_name"] as? String ?? "",
                                 modelVersion: fields["model_version"] as? String ?? "", outputs: tensors)
    }

    // MARK: Responses

    /// The answer's body and, when any output is binary, the JSON part's length.
    /// An output JSON cannot carry (FP16, a NaN or an infinity) goes binary
    /// even when asked for as JSON.
    public static func encodeResponse(_ response: InferenceResponse, binaryOutputs: Set<String>) -> (body: [UInt8], headerLength: Int?) {
        if let text = encodeTextResponse(response, binaryOutputs: binaryOutputs) { return (text, nil) }
        return encodeGeneralResponse(response, binaryOutputs: binaryOutputs)
    }

    /// Every output text, in JSON (a classifier's labels): written directly,
    /// the same bytes as `encodeGeneralResponse` (keys sorted, slashes not
    /// escaped; checked against it in the tests). JSONSerialization, with a
    /// dictionary of `Any` bridged through NSNumber, was a third of the
    /// ingress's CPU per request on this face. Nil for any other answer.
    static func encodeTextResponse(_ response: InferenceResponse, binaryOutputs: Set<String>) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(128)
        func text(_ s: String) { appendJSONString(s, to: &out) }
        func raw(_ s: StaticString) { out.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount)) }
        raw("{")
        if let id = response.id {
            raw("\"id\":")
            text(id)
            raw(",")
        }
        raw("\"model_name\":")
        text(response.modelName)
        raw(",\"model_version\":")
        text(response.modelVersion)
        raw(",\"outputs\":[")
        for (i, t) in response.outputs.enumerated() {
            guard case let .bytes(values) = t.elements, !binaryOutputs.contains(t.name) else { return nil }
            if i > 0 { raw(",") }
            raw("{\"data\":[")
            for (j, v) in values.enumerated() {
                if j > 0 { raw(",") }
                text(String(decoding: v, as: UTF8.self))
            }
            raw("],\"datatype\":")
            text(t.datatype.rawValue)
            raw(",\"name\":")
            text(t.name)
            raw(",\"shape\":[")
            out.append(contentsOf: t.shape.map(String.init).joined(separator: ",").utf8)
            raw("]}")
        }
        raw("]}")
        return out
    }

    /// A JSON string as JSONSerialization writes it: quotes, backslashes and
    /// control characters escaped (the short forms where JSON has one).
    static func appendJSONString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x08: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 15)]])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Any answer, through JSONSerialization (numbers as Foundation writes them).
    static func encodeGeneralResponse(_ response: InferenceResponse, binaryOutputs: Set<String>) -> (body: [UInt8], headerLength: Int?) {
        var binary: [UInt8] = []
        var outputs: [[String: Any]] = []
        var anyBinary = false
        for t in response.outputs {
            var out = tensorHeader(t)
            if binaryOutputs.contains(t.name) || !jsonCanCarry(t) {
                anyBinary = true
                let raw = rawBytes(t)
                out["parameters"] = ["binary_data_size": raw.count]
                binary += raw
            } else {
                out["data"] = jsonData(t)
            }
            outputs.append(out)
        }
        var top: [String: Any] = ["model_name": response.modelName, "model_version": response.modelVersion, "outputs": outputs]
        if let id = response.id { top["id"] = id }
        let header = jsonBytes(top)
        return anyBinary ? (header + binary, header.count) : (header, nil)
    }

    /// FP16 has no JSON form, nor have NaN and the infinities.
    static func jsonCanCarry(_ t: InferenceTensor) -> Bool {
        guard case let .fixed(raw) = t.elements else { return true }
        switch t.datatype {
        case .fp16: return false
        case .fp32: return stride(from: 0, to: raw.count - 3, by: 4).allSatisfy { (number(Array(raw[$0..<($0 + 4)]), .fp32) as? Float)?.isFinite ?? true }
        case .fp64: return stride(from: 0, to: raw.count - 7, by: 8).allSatisfy { (number(Array(raw[$0..<($0 + 8)]), .fp64) as? Double)?.isFinite ?? true }
        default: return true
        }
    }

    /// `{"error": "…"}`, the protocol's error body.
    public static func encodeError(_ error: InferenceError) -> [UInt8] { jsonBytes(["error": error.message]) }

    /// `GET /v2/models/{m}`.
    public static func encodeMetadata(_ model: ModelMetadata) -> [UInt8] {
        func tensors(_ list: [ModelMetadata.Tensor]) -> [[String: Any]] {
            list.map { ["name": $0.name, "datatype": $0.datatype.rawValue, "shape": $0.shape.map { NSNumber(value: $0) }] }
        }
        return jsonBytes(["name": model.name, "versions": model.versions, "platform": model.platform,
                          "inputs": tensors(model.inputs), "outputs": tensors(model.outputs)])
    }

    /// `GET /v2`.
    public static func encodeServerMetadata(name: String, version: String, extensions: [String]) -> [UInt8] {
        jsonBytes(["name": name, "version": version, "extensions": extensions])
    }

    // MARK: Helpers

    static func tensorHeader(_ t: InferenceTensor) -> [String: Any] {
        ["name": t.name, "datatype": t.datatype.rawValue, "shape": t.shape.map { NSNumber(value: $0) }]
    }

    /// A tensor's bytes in the binary extension.
    static func rawBytes(_ t: InferenceTensor) -> [UInt8] {
        switch t.elements {
        case let .bytes(values): RawBytes.encode(values)
        case let .fixed(bytes): bytes
        }
    }

    static func jsonBytes(_ object: Any) -> [UInt8] {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])).map { Array($0) } ?? Array("{}".utf8)
    }

    static func jsonData(_ t: InferenceTensor) -> [Any] {
        switch t.elements {
        case let .bytes(values):
            return values.map { String(decoding: $0, as: UTF8.self) }
        case let .fixed(raw):
            guard let size = t.datatype.elementSize, size > 0 else { return [] }
            return stride(from: 0, to: raw.count - size + 1, by: size).map { number(Array(raw[$0..<($0 + size)]), t.datatype) }
        }
    }

    static func flatten(_ value: Any, into flat: inout [Any]) {
        if let list = value as? [Any] { for v in list { flatten(v, into: &flat) } } else { flat.append(value) }
    }

    static func bool(_ value: Any?) -> Bool? {
        if let b = value as? Bool { return b }
        return (value as? NSNumber)?.boolValue
    }

    /// A JSON number that is a whole number (5 or 5.0), else nil.
    static func integer(_ value: Any) -> Int64? {
        // Foundation on Linux bridges every JSON number to Bool as well, so
        // `true` reads as 1 here; a boolean priority is no harm.
        if value is String { return nil }
        if let i = value as? Int64 { return i }
        if let i = value as? Int { return Int64(i) }
        guard let d = (value as? NSNumber)?.doubleValue ?? (value as? Double), d == d.rounded(), abs(d) < 9.0e18 else { return nil }
        return Int64(d)
    }

    static func appendLittleEndian(_ n: NSNumber, _ type: TensorDatatype, to raw: inout [UInt8]) -> Bool {
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { raw.append(contentsOf: $0) } }
        switch type {
        case .bool: raw.append(n.boolValue ? 1 : 0)
        case .uint8: put(n.uint8Value)
        case .uint16: put(n.uint16Value)
        case .uint32: put(n.uint32Value)
        case .uint64: put(n.uint64Value)
        case .int8: put(n.int8Value)
        case .int16: put(n.int16Value)
        case .int32: put(n.int32Value)
        case .int64: put(n.int64Value)
        case .fp32: put(n.floatValue.bitPattern)
        case .fp64: put(n.doubleValue.bitPattern)
        case .fp16, .bytes: return false  // FP16 has no JSON form; send it binary
        }
        return true
    }

    static func number(_ b: [UInt8], _ type: TensorDatatype) -> Any {
        func get<T: FixedWidthInteger>(_: T.Type) -> T { b.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(as: T.self)) } }
        switch type {
        case .bool: return b[0] != 0
        case .uint8: return get(UInt8.self)
        case .uint16: return get(UInt16.self)
        case .uint32: return get(UInt32.self)
        case .uint64: return get(UInt64.self)
        case .int8: return get(Int8.self)
        case .int16: return get(Int16.self)
        case .int32: return get(Int32.self)
        case .int64: return get(Int64.self)
        case .fp32: return Float(bitPattern: get(UInt32.self))
        case .fp64: return Double(bitPattern: get(UInt64.self))
        case .fp16: return get(UInt16.self)  // never asked: FP16 outputs go binary
        case .bytes: return 0
        }
    }
}
