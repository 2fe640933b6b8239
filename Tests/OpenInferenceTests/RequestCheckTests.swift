import Testing
@testable import OpenInference

@Suite struct RequestCheckTests {
    let check = RequestCheck(model: .classifier(), maxTextLength: 16, maxRows: 3)

    func texts(_ t: [String], shape: [Int64]? = nil) -> InferenceRequest {
        InferenceRequest(modelName: "classifier", inputs: [.bytes(name: "TEXT", t.map { Array($0.utf8) }, shape: shape)])
    }

    @Test func aRequestOfNTextsIsNItemsAndItsAnswerKeepsTheShape() throws {
        for shape: [Int64] in [[3], [3, 1]] {
            let request = texts(["a;", "b", "c{"], shape: shape)
            let plan = try check.plan(request)
            #expect(plan.rows == [Array("a;".utf8), Array("b".utf8), Array("c{".utf8)])
            let answer = try check.response(to: request, plan: plan, results: [Array("code".utf8), Array("not code".utf8), Array("code".utf8)])
            #expect(answer.outputs == [.bytes(name: "LABEL", [Array("code".utf8), Array("not code".utf8), Array("code".utf8)], shape: shape)])
        }
    }

    @Test func refusalsNameWhatWasExpected() throws {
        #expect(throws: InferenceError.invalidArgument("model 'classifier' has no input 'TXT'; expected 'TEXT'")) {
            _ = try check.plan(InferenceRequest(modelName: "classifier", inputs: [.bytes(name: "TXT", [[1]])]))
        }
        #expect(throws: InferenceError.invalidArgument("input 'TEXT' of model 'classifier' is BYTES, got FP32")) {
            _ = try check.plan(InferenceRequest(modelName: "classifier", inputs: [.init(name: "TEXT", datatype: .fp32, shape: [1], elements: .fixed([0, 0, 0, 0]))]))
        }
        #expect(throws: InferenceError.invalidArgument("input 'TEXT' has shape [1, 2]; model 'classifier' expects [-1] (first dimension: rows)")) {
            _ = try check.plan(texts(["a", "b"], shape: [1, 2]))
        }
        #expect(throws: InferenceError.invalidArgument("input 'TEXT' has shape [0]; expected [rows, …] with at least one row")) {
            _ = try check.plan(texts([], shape: [0]))
        }
        #expect(throws: InferenceError.invalidArgument("input 'TEXT' element 1 is 17 characters, over the limit of 16")) {
            _ = try check.plan(texts(["ok", String(repeating: "x", count: 17)]))
        }
        // 16 characters of two bytes each: within the limit, as /proxy_classify counts.
        #expect(try check.plan(texts([String(repeating: "é", count: 16)])).rows.count == 1)
        #expect(throws: InferenceError.invalidArgument("input 'TEXT' has 4 rows, over the limit of 3 a request (the queue bound)")) {
            _ = try check.plan(texts(["a", "b", "c", "d"]))
        }
        #expect(throws: InferenceError.notFound("model 'classifier' has no version '2'; it has 1")) {
            var r = texts(["a"])
            r.modelVersion = "2"
            _ = try check.plan(r)
        }
        #expect(throws: InferenceError.invalidArgument("model 'classifier' has no output 'SCORE'; it has LABEL")) {
            var r = texts(["a"])
            r.outputs = [.init(name: "SCORE")]
            _ = try check.plan(r)
        }
    }

    @Test func fixedSizeRowsPassThrough() throws {
        let model = ModelMetadata(name: "m", inputs: [.init(name: "X", datatype: .int64, shape: [-1, 2])],
                                  outputs: [.init(name: "Y", datatype: .int64, shape: [-1, 2])])
        let raw: [UInt8] = (0..<32).map { UInt8($0) }
        let request = InferenceRequest(modelName: "m", inputs: [.init(name: "X", datatype: .int64, shape: [2, 2], elements: .fixed(raw))])
        let check = RequestCheck(model: model)
        let plan = try check.plan(request)
        #expect(plan.rows == [Array(raw[0..<16]), Array(raw[16..<32])])
        let answer = try check.response(to: request, plan: plan, results: plan.rows)
        #expect(answer.outputs == [.init(name: "Y", datatype: .int64, shape: [2, 2], elements: .fixed(raw))])
    }
}
