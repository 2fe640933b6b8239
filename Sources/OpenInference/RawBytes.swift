/// The protocol's raw form of BYTES elements: each a 4-byte little-endian
/// length, then its bytes (the binary tensor extension, and gRPC's
/// `raw_input_contents`).
public enum RawBytes {
    public static func encode<C: Collection>(_ values: C) -> [UInt8] where C.Element == [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(values.reduce(0) { $0 + 4 + $1.count })
        for v in values {
            let n = UInt32(v.count)
            out.append(UInt8(n & 0xff)); out.append(UInt8((n >> 8) & 0xff))
            out.append(UInt8((n >> 16) & 0xff)); out.append(UInt8(n >> 24))
            out.append(contentsOf: v)
        }
        return out
    }

    /// The elements, or nil when a length runs past the end.
    public static func decode<C: Collection>(_ raw: C) -> [[UInt8]]? where C.Element == UInt8, C.Index == Int {
        var values: [[UInt8]] = []
        var i = raw.startIndex
        while i < raw.endIndex {
            guard raw.endIndex - i >= 4 else { return nil }
            let n = Int(raw[i]) | Int(raw[i + 1]) << 8 | Int(raw[i + 2]) << 16 | Int(raw[i + 3]) << 24
            i += 4
            guard raw.endIndex - i >= n else { return nil }
            values.append(Array(raw[i..<(i + n)]))
            i += n
        }
        return values
    }
}
