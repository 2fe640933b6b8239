import Foundation
import OpenInference

/// Typed `contents` ↔ Ferry's raw little-endian elements.
extension Inference_InferTensorContents {
    /// The elements of `datatype` this holds, raw, from the typed field for
    /// that datatype (empty when another field was filled: the shape check
    /// that follows says so).
    func elements(_ datatype: TensorDatatype) -> InferenceTensor.Elements {
        func pack<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
            var out: [UInt8] = []
            out.reserveCapacity(values.count * MemoryLayout<T>.size)
            for v in values { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
            return out
        }
        switch datatype {
        case .bytes: return .bytes(bytesContents.map { Array($0) })
        case .bool: return .fixed(boolContents.map { $0 ? 1 : 0 })
        case .int8: return .fixed(pack(intContents.map { Int8(truncatingIfNeeded: $0) }))
        case .int16: return .fixed(pack(intContents.map { Int16(truncatingIfNeeded: $0) }))
        case .int32: return .fixed(pack(intContents))
        case .int64: return .fixed(pack(int64Contents))
        case .uint8: return .fixed(pack(uintContents.map { UInt8(truncatingIfNeeded: $0) }))
        case .uint16: return .fixed(pack(uintContents.map { UInt16(truncatingIfNeeded: $0) }))
        case .uint32: return .fixed(pack(uintContents))
        case .uint64: return .fixed(pack(uint64Contents))
        case .fp32: return .fixed(pack(fp32Contents.map(\.bitPattern)))
        case .fp64: return .fixed(pack(fp64Contents.map(\.bitPattern)))
        case .fp16: return .fixed([])  // FP16 has no typed field: raw contents only
        }
    }
}

extension InferenceTensor.Elements {
    /// The raw form gRPC carries in `raw_input_contents` / `raw_output_contents`.
    var raw: Data {
        switch self {
        case let .bytes(values): Data(RawBytes.encode(values))
        case let .fixed(bytes): Data(bytes)
        }
    }

    static func fromRaw(_ data: Data, datatype: TensorDatatype, name: String) throws(InferenceError) -> InferenceTensor.Elements {
        guard datatype == .bytes else { return .fixed(Array(data)) }
        guard let values = RawBytes.decode(Array(data)) else {
            throw .invalidArgument("tensor '\(name)': raw BYTES contents are not a series of 4-byte little-endian lengths and bytes")
        }
        return .bytes(values)
    }
}
