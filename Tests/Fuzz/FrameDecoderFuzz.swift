// libFuzzer target for the Wire frame decoder. Built by Tests/Fuzz/run.sh with
// `swiftc -sanitize=fuzzer,address` together with Sources/Wire (not by SwiftPM).
//
// Property: whatever bytes arrive, in whatever chunks, the decoder returns
// messages or a WireError — it never crashes, and a decoded message
// re-encodes to a frame that decodes to the same message.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFrameDecoder(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    // The first byte picks a chunk size, so splits across reads are fuzzed too.
    let chunk = max(1, Int(bytes.first ?? 1))
    var decoder = FrameDecoder(maximumFrameSize: 1 << 16)
    var index = 0
    while index < bytes.count {
        decoder.append(bytes[index..<min(index + chunk, bytes.count)])
        index += chunk
        do {
            while let message = try decoder.next() {
                var again = FrameDecoder(maximumFrameSize: 1 << 20)
                again.append(FrameEncoder.encode(message))
                guard (try? again.next()) == message else { fatalError("round trip changed \(message)") }
            }
        } catch {
            return 0
        }
    }
    _ = try? decoder.finish()
    return 0
}
