import OpenInference
import Testing

@Suite struct InferenceTensorTests {
    @Test func anFP32TensorReadsBackItsFloatsAndNoOtherDatatypeDoes() {
        let values: [Float] = [1.5, -2, 0, 3.25e-3]
        let raw = values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian, Array.init) }
        let tensor = InferenceTensor(name: "EMBEDDING", datatype: .fp32, shape: [1, 4], elements: .fixed(raw))
        #expect(tensor.floats == values)
        #expect(InferenceTensor(name: "I", datatype: .int32, shape: [1], elements: .fixed([1, 0, 0, 0])).floats == nil)
        #expect(InferenceTensor.bytes(name: "T", [Array("x".utf8)]).floats == nil)
    }
}
