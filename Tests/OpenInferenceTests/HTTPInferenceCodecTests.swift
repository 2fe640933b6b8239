import Foundation
import Testing
@testable import OpenInference

@Suite struct HTTPInferenceCodecTests {
    /// What tritonclient's HTTP client sends by default: a JSON header, then
    /// each BYTES element as a 4-byte little-endian length and its bytes.
    static func binaryBody(_ texts: [String], shape: [Int]) -> (body: [UInt8], headerLength: Int) {
        let raw = RawBytes.encode(texts.map { Array($0.utf8) })
        let header = #"{"inputs":[{"name":"TEXT","shape":\#(shape),"datatype":"BYTES","parameters":{"binary_data_size":\#(raw.count)}}],"outputs":[{"name":"LABEL","parameters":{"binary_data":true}}]}"#
        return (Array(header.utf8) + raw, header.utf8.count)
    }

    @Test func decodesTheBinaryTensorExtension() throws {
        let (body, length) = Self.binaryBody(["def f(): pass", "hello there"], shape: [2, 1])
        let request = try HTTPInferenceCodec.decodeRequest(body: body, headerLength: length, model: "classifier", version: nil)
        #expect(request.inputs == [.init(name: "TEXT", datatype: .bytes, shape: [2, 1],
                                         elements: .bytes([Array("def f(): pass".utf8), Array("hello there".utf8)]))])
        #expect(request.outputs == [.init(name: "LABEL", binary: true)])
    }

    @Test func decodesJSONTensorsAndParameters() throws {
        let json = #"{"id":"r1","parameters":{"priority":1,"timeout":2500},"inputs":[{"name":"X","shape":[2,2],"datatype":"FP32","data":[[1.5,2],[3,4]]}]}"#
        let request = try HTTPInferenceCodec.decodeRequest(body: Array(json.utf8), headerLength: nil, model: "m", version: "1")
        #expect(request.id == "r1")
        #expect(request.priority == 1)
        #expect(request.ferryPriority == 1000)
        #expect(request.timeoutMs == 3)
        let floats: [Float] = [1.5, 2, 3, 4]
        #expect(request.inputs.first?.elements == .fixed(floats.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }))
        #expect(request.inputs.first?.rows().count == 2)
    }

    @Test(arguments: [
        (#"{"inputs":[{"name":"TEXT","shape":[2],"datatype":"BYTES","data":["a"]}]}"#, "1 element(s) in 'data' for shape [2]"),
        (#"{"inputs":[{"name":"TEXT","shape":[1],"datatype":"STRING","data":["a"]}]}"#, "'datatype' must be one of"),
        (#"{"inputs":[{"name":"TEXT","shape":[1],"datatype":"BYTES","parameters":{"binary_data_size":9}}]}"#, "binary_data_size 9 is more than"),
        (#"{"parameters":{"priority":-1},"inputs":[]}"#, "parameter 'priority'"),
        (#"[1]"#, "must be a JSON object"),
        (#"{"inputs":[{"name":"X","shape":[1],"datatype":"INT64","data":["x"]}]}"#, "is not a INT64 value"),
    ])
    func refusesWhatItCannotRead(json: String, expected: String) {
        #expect {
            _ = try HTTPInferenceCodec.decodeRequest(body: Array(json.utf8), headerLength: nil, model: "m", version: nil)
        } throws: { error in
            guard let e = error as? InferenceError, case let .invalidArgument(m) = e else { return false }
            return m.contains(expected)
        }
    }

    @Test func refusesBytesLeftOverAfterTheTensors() {
        var (body, length) = Self.binaryBody(["x"], shape: [1])
        body += [0, 0]
        #expect(throws: InferenceError.invalidArgument("2 byte(s) after the tensors that binary_data_size parameters account for")) {
            _ = try HTTPInferenceCodec.decodeRequest(body: body, headerLength: length, model: "m", version: nil)
        }
    }

    @Test func answersBinaryWhenAskedAndJSONOtherwise() throws {
        let response = InferenceResponse(id: "7", modelName: "classifier", modelVersion: "1",
                                         outputs: [.bytes(name: "LABEL", [Array("code".utf8), Array("not code".utf8)])])
        let (json, none) = HTTPInferenceCodec.encodeResponse(response, binaryOutputs: [])
        #expect(none == nil)
        #expect(String(decoding: json, as: UTF8.self)
            == #"{"id":"7","model_name":"classifier","model_version":"1","outputs":[{"data":["code","not code"],"datatype":"BYTES","name":"LABEL","shape":[2]}]}"#)
        let (body, length) = HTTPInferenceCodec.encodeResponse(response, binaryOutputs: ["LABEL"])
        let header = try #require(length)
        #expect(String(decoding: body[..<header], as: UTF8.self).contains(#""parameters":{"binary_data_size":20}"#))
        #expect(RawBytes.decode(Array(body[header...])) == [Array("code".utf8), Array("not code".utf8)])
    }

    @Test func textAnswersAreWrittenAsJSONSerializationWritesThem() {
        // The direct writer for text outputs must give the general path's bytes exactly.
        let awkward = ["code", "", "a/b", "quote \" and \\ back", "tab\tnew\nline\r", "\u{0}\u{1}\u{8}\u{c}\u{1f}\u{7f}", "héllo wörld ✓ 🚀"]
        for id in [nil, "7", "a\"b"] as [String?] {
            let response = InferenceResponse(id: id, modelName: "clas/sifier", modelVersion: "1",
                                             outputs: [.bytes(name: "LABEL", awkward.map { Array($0.utf8) }),
                                                       .bytes(name: "OTHER", [Array("x".utf8)])])
            let direct = HTTPInferenceCodec.encodeTextResponse(response, binaryOutputs: [])
            let general = HTTPInferenceCodec.encodeGeneralResponse(response, binaryOutputs: []).body
            #expect(direct.map { String(decoding: $0, as: UTF8.self) } == String(decoding: general, as: UTF8.self))
        }
        // Binary asked for, or a tensor of numbers: the general path.
        let label = InferenceResponse(id: nil, modelName: "m", modelVersion: "1", outputs: [.bytes(name: "LABEL", [[65]])])
        #expect(HTTPInferenceCodec.encodeTextResponse(label, binaryOutputs: ["LABEL"]) == nil)
    }

    @Test func textRequestsAreWrittenAsJSONSerializationWritesThem() {
        // The direct writer for text inputs (the worker's calls) must give the general path's bytes exactly.
        let awkward = ["code", "", "a/b", "quote \" and \\ back", "tab\tnew\nline\r", "\u{0}\u{1}\u{8}\u{c}\u{1f}\u{7f}", "héllo wörld ✓ 🚀", "line\u{2028}para\u{2029}"]
        let inputs: [[InferenceTensor]] = [
            [.bytes(name: "TEXT", awkward.map { Array($0.utf8) }, shape: [Int64(awkward.count), 1])],
            [.bytes(name: "TEXT", [Array("x".utf8)]), .bytes(name: "OTHER", [], shape: [0])],
        ]
        let outputs: [[InferenceRequest.RequestedOutput]] = [[], [.init(name: "LABEL")], [.init(name: "A", binary: true), .init(name: "B\"")]]
        var cases = 0
        for id in [nil, "7", "a\"b"] as [String?] {
            for input in inputs {
                for output in outputs {
                    for (priority, timeout) in [(0, nil), (3, nil), (0, 2_500), (1, 9_000_000_000)] as [(Int64, Int64?)] {
                        let request = InferenceRequest(id: id, modelName: "m", inputs: input, outputs: output,
                                                       priority: priority, timeoutMicroseconds: timeout)
                        let direct = HTTPInferenceCodec.encodeTextRequest(request)
                        let general = HTTPInferenceCodec.encodeGeneralRequest(request, binary: false)
                        #expect(general.headerLength == nil)
                        #expect(direct.map { String(decoding: $0, as: UTF8.self) } == String(decoding: general.body, as: UTF8.self))
                        cases += 1
                    }
                }
            }
        }
        #expect(cases == 72)
        // A tensor of numbers: the general path.
        let numbers = InferenceRequest(modelName: "m", inputs: [.init(name: "X", datatype: .int32, shape: [1], elements: .fixed([1, 0, 0, 0]))])
        #expect(HTTPInferenceCodec.encodeTextRequest(numbers) == nil)
        #expect(String(decoding: HTTPInferenceCodec.encodeRequest(numbers, binary: false).body, as: UTF8.self).contains(#""data":[1]"#))
    }

    @Test func rawBytesRoundTripAndRefuseTruncation() {
        let values: [[UInt8]] = [[], [1], Array(repeating: 7, count: 300)]
        let raw = RawBytes.encode(values)
        #expect(RawBytes.decode(raw) == values)
        #expect(RawBytes.decode(Array(raw.dropLast())) == nil)
        #expect(RawBytes.decode([1, 0, 0]) == nil)
    }
}

@Suite struct HTTPInferenceClientSideTests {
    /// What Ferry sends a model server, read back by the server side's own decoder.
    @Test(arguments: [false, true])
    func requestsRoundTrip(binary: Bool) throws {
        var request = InferenceRequest(modelName: "classifier", inputs: [.bytes(name: "TEXT", [Array("a;".utf8), Array("héllo".utf8)], shape: [2, 1])],
                                       outputs: [.init(name: "LABEL")])
        request.priority = 3
        request.timeoutMicroseconds = 5000
        let (body, length) = HTTPInferenceCodec.encodeRequest(request, binary: binary)
        #expect((length != nil) == binary)
        let back = try HTTPInferenceCodec.decodeRequest(body: body, headerLength: length, model: "classifier", version: nil)
        #expect(back.inputs == request.inputs)
        #expect(back.outputs == [.init(name: "LABEL", binary: binary)])
        #expect(back.priority == 3 && back.timeoutMicroseconds == 5000)
    }

    /// What a model server answers, read the way Ferry's worker reads it.
    @Test(arguments: [false, true])
    func responsesRoundTrip(binary: Bool) throws {
        let response = InferenceResponse(id: nil, modelName: "m", modelVersion: "1",
                                         outputs: [.init(name: "Y", datatype: .int64, shape: [2, 1], elements: .fixed((0..<16).map { UInt8($0) })),
                                                   .bytes(name: "LABEL", [Array("code".utf8), Array("not code".utf8)], shape: [2, 1])])
        let (body, length) = HTTPInferenceCodec.encodeResponse(response, binaryOutputs: binary ? ["Y", "LABEL"] : [])
        let back = try HTTPInferenceCodec.decodeResponse(body: body, headerLength: length)
        #expect(back.outputs == response.outputs)
        #expect(back.modelName == "m")
    }

    @Test func aResponseThatIsNotTheProtocolsSaysWhatItIs() {
        #expect(throws: InferenceError.internal("the answer has no 'outputs' array")) {
            _ = try HTTPInferenceCodec.decodeResponse(body: Array(#"{"error":"x"}"#.utf8), headerLength: nil)
        }
    }
}
