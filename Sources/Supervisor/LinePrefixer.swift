#if canImport(Glibc)
import Glibc
#endif

/// Splits a child's output into lines and writes each with the child's name
/// in front (`[worker] …`), so interleaved logs stay attributable.
final class LinePrefixer {
    private let prefix: [UInt8]
    private let output: UnsafeMutablePointer<FILE>
    /// The `--log-file`, which receives every line too.
    private let copy: UnsafeMutablePointer<FILE>?
    private var partial: [UInt8] = []
    /// Longest line kept whole; a longer one is cut into pieces.
    private let maxLine = 64 * 1024

    init(name: String, output: UnsafeMutablePointer<FILE>, copy: UnsafeMutablePointer<FILE>? = nil) {
        self.prefix = Array("[\(name)] ".utf8)
        self.output = output
        self.copy = copy
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
        if let copy { fflush(copy) }
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
        line.withUnsafeBytes { bytes in
            _ = fwrite(bytes.baseAddress, 1, bytes.count, output)
            if let copy { _ = fwrite(bytes.baseAddress, 1, bytes.count, copy) }
        }
        partial.removeAll(keepingCapacity: true)
    }
}
