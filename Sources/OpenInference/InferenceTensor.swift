/// One named tensor of a request or an answer.
///
/// Elements are kept in the protocol's raw form: fixed-size types as their
/// little-endian bytes, BYTES as one byte array per element. Ferry never does
/// arithmetic on them; it splits them into rows and joins rows back.
public struct InferenceTensor: Equatable, Sendable {
    public enum Elements: Equatable, Sendable {
        /// Fixed-size elements, little-endian, packed.
        case fixed([UInt8])
        /// BYTES elements.
        case bytes([[UInt8]])
    }

    public var name: String
    public var datatype: TensorDatatype
    public var shape: [Int64]
    public var elements: Elements

    public init(name: String, datatype: TensorDatatype, shape: [Int64], elements: Elements) {
        self.name = name
        self.datatype = datatype
        self.shape = shape
        self.elements = elements
    }

    /// A BYTES tensor of shape [n].
    public static func bytes(name: String, _ values: [[UInt8]], shape: [Int64]? = nil) -> InferenceTensor {
        InferenceTensor(name: name, datatype: .bytes, shape: shape ?? [Int64(values.count)], elements: .bytes(values))
    }

    /// Most elements one tensor may have: far beyond any body Ferry accepts,
    /// and small enough that no count or byte size computed from it overflows.
    public static let maxElements: Int64 = 1 << 32

    /// How many elements `shape` says there are; nil when a dimension is
    /// negative or the product is over `maxElements` (never an overflow:
    /// a shape is the client's to choose).
    public static func elementCount(of shape: [Int64]) -> Int64? {
        var count: Int64 = 1
        for d in shape {
            guard d >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow, product <= maxElements else { return nil }
            count = product
        }
        return count
    }

    /// How many elements the shape says there are (0 for a shape out of range).
    public var shapeCount: Int64 { Self.elementCount(of: shape) ?? 0 }

    /// Checks that the elements fill the shape exactly: as many BYTES values,
    /// or `count × element size` bytes. `role` ("input", "output") names it.
    public func validate(role: String) throws(InferenceError) {
        guard let count = Self.elementCount(of: shape) else {
            throw .invalidArgument("\(role) '\(name)': shape \(shape) is negative or over \(Self.maxElements) elements")
        }
        switch elements {
        case let .bytes(values):
            guard values.count == count else {
                throw .invalidArgument("\(role) '\(name)': \(values.count) BYTES element(s) for shape \(shape)")
            }
        case let .fixed(raw):
            let size = Int64(datatype.elementSize ?? 0)
            guard Int64(raw.count) == count * size else {
                throw .invalidArgument("\(role) '\(name)': \(raw.count) byte(s) of \(datatype.rawValue) for shape \(shape) (expected \(count * size))")
            }
        }
    }

    /// How many elements are there.
    public var elementCount: Int {
        switch elements {
        case let .bytes(values): values.count
        case let .fixed(raw): datatype.elementSize.map { raw.count / $0 } ?? 0
        }
    }

    /// The first dimension: how many rows (items) the tensor holds.
    public var rowCount: Int { shape.first.map { Int($0) } ?? 1 }

    /// The tensor cut along its first dimension, one payload per row: a BYTES
    /// row of one element is that element's bytes (what a text backend takes);
    /// a longer BYTES row is its elements in the raw length-prefixed form; a
    /// fixed-size row is its little-endian bytes.
    public func rows() -> [[UInt8]] {
        let n = max(rowCount, 0)
        guard n > 0 else { return [] }
        switch elements {
        case let .bytes(values):
            let per = values.count / n
            if per == 1 { return values }
            return (0..<n).map { RawBytes.encode(values[($0 * per)..<(($0 + 1) * per)]) }
        case let .fixed(raw):
            let per = raw.count / n
            return (0..<n).map { Array(raw[($0 * per)..<(($0 + 1) * per)]) }
        }
    }

    /// Joins rows (as `rows()` cuts them) back into one tensor of `shape`.
    /// Throws when a row does not decode or the rows do not fill the shape.
    public static func joining(rows: [[UInt8]], name: String, datatype: TensorDatatype, shape: [Int64]) throws(InferenceError) -> InferenceTensor {
        let count = shape.reduce(1, *)
        if datatype == .bytes {
            let per = rows.isEmpty ? 0 : Int(count) / rows.count
            var values: [[UInt8]] = []
            values.reserveCapacity(Int(count))
            for row in rows {
                if per == 1 { values.append(row); continue }
                guard let decoded = RawBytes.decode(row), decoded.count == per else {
                    throw .internal("output '\(name)': a row did not hold \(per) BYTES element(s)")
                }
                values.append(contentsOf: decoded)
            }
            return InferenceTensor(name: name, datatype: .bytes, shape: shape, elements: .bytes(values))
        }
        let raw = rows.flatMap { $0 }
        guard let size = datatype.elementSize, raw.count == Int(count) * size else {
            throw .internal("output '\(name)': \(raw.count) bytes do not fill shape \(shape) of \(datatype.rawValue)")
        }
        return InferenceTensor(name: name, datatype: datatype, shape: shape, elements: .fixed(raw))
    }
}

extension InferenceTensor {
    /// An FP32 tensor's values, in row-major order; nil for any other datatype.
    public var floats: [Float]? {
        guard datatype == .fp32, case .fixed = elements else { return nil }
        return HTTPInferenceCodec.jsonData(self).compactMap { $0 as? Float }
    }
}
