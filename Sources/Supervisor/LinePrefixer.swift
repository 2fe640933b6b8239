#if canImport(Glibc)
import Glibc
#endif

/// Splits a child's output into lines and writes each with the child's name
/// in front (`[worker] …`), so interleaved logs stay attributable.
final class LinePrefixer {
    private let prefix: [UInt8]
    private let output: UnsafeMutablePointer<FILE>
    private var partial: [UInt8] = []
    /// Longest line kept whole; a longer one is cut into pieces.
    private let maxLine = 64 * 1024

    init(name: String, output: UnsafeMutablePointer<FILE>) {
        self.prefix = Array("[\(name)] ".utf8)
        self.output = output
    }

    func feed(_ bytes: UnsafeRawBufferPointer) {
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                emit()
            } else {
                partial.append(byte)
                if partial.count >= maxLine { emit() }
            }
        }
        fflush(output)
    }

    /// Writes what is left (a last line without a newline).
    func flush() {
        if !partial.isEmpty { emit() }
        fflush(output)
    }

    private func emit() {
        var line = prefix
        line.append(contentsOf: partial)
        line.append(UInt8(ascii: "\n"))
        line.withUnsafeBytes { _ = fwrite($0.baseAddress, 1, $0.count, output) }
        partial.removeAll(keepingCapacity: true)
    }
}
