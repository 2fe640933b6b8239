/// The seed's model, as its Python server answers: "code" when the text
/// contains `;`, `{`, `}`, `def ` or `class `, else "not code". Ferry's
/// simulated backend, the bench's bare server and its answer checks all use
/// this one rule. Deterministic, so tests can check every answer.
public enum TextClassifier {
    /// The marks of source code, as UTF-8: Python's `in` on `str` is a code
    /// point match, which on UTF-8 is a byte match (no Foundation search,
    /// which `perf` showed was most of the simulated backend's time).
    static let markers: [[UInt8]] = [";", "{", "}", "def ", "class "].map { Array($0.utf8) }

    /// "code" or "not code".
    public static func label(for text: String) -> String {
        isCode(text) ? "code" : "not code"
    }

    /// Whether the text has any of the marks of source code.
    public static func isCode(_ text: String) -> Bool {
        var text = text
        return text.withUTF8(isCode(utf8:))
    }

    /// Whether UTF-8 `bytes` have any of the marks of source code.
    public static func isCode(utf8 bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        for start in bytes.indices {
            let first = bytes[start]
            for marker in markers where marker[0] == first && bytes.count - start >= marker.count {
                if marker.indices.allSatisfy({ bytes[start + $0] == marker[$0] }) { return true }
            }
        }
        return false
    }

    /// Length as the seed's Python server counts it (code points).
    public static func length(of text: String) -> Int {
        text.unicodeScalars.count
    }

    /// The same length of UTF-8 bytes, decoded as `String(decoding:as:)`
    /// does (an invalid byte counts as one U+FFFD); ASCII, the common case,
    /// without making a String.
    public static func length(utf8 bytes: [UInt8]) -> Int {
        bytes.allSatisfy { $0 < 0x80 } ? bytes.count : length(of: String(decoding: bytes, as: UTF8.self))
    }
}
