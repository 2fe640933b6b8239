// libFuzzer target for the Open Inference Protocol's HTTP form
// (Sources/OpenInference: HTTPInferenceCodec, RequestCheck). Built by Tests/Fuzz/run.sh.
//
// Property: any body, with or without a binary part, gives a request or an
// INVALID_ARGUMENT with a message — never a crash; an accepted request that
// the classifier's check accepts is cut into exactly its rows, and its
// answer built from those rows encodes and decodes back to itself.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzInferenceDecoder(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    // The first byte, when below 0xF0, says where the JSON part ends (the binary extension).
    let split = bytes.first.flatMap { $0 < 0xF0 ? min(Int($0), max(0, size - 1)) : nil }
    let request: InferenceRequest
    do throws(InferenceError) {
        request = try HTTPInferenceCodec.decodeRequest(body: Array(bytes.dropFirst()), headerLength: split, model: "classifier", version: nil)
    } catch {
        guard case .invalidArgument = error, !error.message.isEmpty else { fatalError("bad refusal \(error)") }
        return 0
    }
    // The request's numbers that the gateway turns into Ferry's: never a trap.
    _ = request.timeoutMs
    _ = request.ferryPriority
    let check = RequestCheck(model: .classifier(), maxTextLength: 64, maxRows: 64)
    do throws(InferenceError) {
        let plan = try check.plan(request)
        guard Int64(plan.rows.count) == request.inputs[0].shape[0] else { fatalError("rows \(plan.rows.count) for shape \(request.inputs[0].shape)") }
        let answer = try check.response(to: request, plan: plan, results: plan.rows)
        let (body, length) = HTTPInferenceCodec.encodeResponse(answer, binaryOutputs: ["LABEL"])
        guard try HTTPInferenceCodec.decodeResponse(body: body, headerLength: length).outputs == answer.outputs else { fatalError("round trip") }
    } catch {
        guard !error.message.isEmpty else { fatalError("empty message") }
        if case .internal = error { fatalError("internal error on a checked request: \(error)") }
    }
    return 0
}
