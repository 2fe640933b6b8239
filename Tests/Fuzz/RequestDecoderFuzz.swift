// libFuzzer target for the ingress's request validation
// (Sources/Ingress/ClassifyRequestDecoder.swift). Built by Tests/Fuzz/run.sh.
//
// Property: any body gives a text or a 4xx problem with a message — never a
// crash, never a 5xx, never an empty message.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequestDecoder(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let types: [String?] = [nil, "application/json", "text/plain", "application/json; charset=utf-8"]
    let type = types[Int(bytes.first ?? 0) % types.count]
    switch ClassifyRequestDecoder.decode(body: Array(bytes.dropFirst()), contentType: type, maxSequenceLength: 64) {
    case let .success(text):
        guard !text.isEmpty, text.unicodeScalars.count <= 64 else { fatalError("accepted an invalid sequence") }
    case let .failure(problem):
        guard (400..<500).contains(problem.status), !problem.message.isEmpty else { fatalError("bad problem \(problem)") }
    }
    return 0
}
