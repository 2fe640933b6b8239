import FerryLog
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Splits a child's output into lines and makes each attributable: in text
/// format it writes the child's name in front (`[worker] …`); in JSON format a
/// line that is already a JSON object (the child's own logger) passes as it
/// is, and anything else (a crash trace) is wrapped in one, so the combined
/// stream stays one JSON object per line.
final class LinePrefixer {
    private let name: String
    private let prefix: [UInt8]
    private let format: LogFormat
    /// The level given to raw lines wrapped in JSON.
    private let rawLevel: Logger.Level
    private let output: UnsafeMutablePointer<FILE>
    /// The `--log-file`, which receives every line too.
    private let copy: UnsafeMutablePointer<FILE>?
    private var partial: [UInt8] = []
    /// Longest line kept whole; a longer one is cut into pieces.
    private let maxLine = 64 * 1024

    init(name: String, format: LogFormat = .text, rawLevel: Logger.Level = .info, output: UnsafeMutablePointer<FILE>,
         copy: UnsafeMutablePointer<FILE>? = nil) {
        self.name = name
        self.prefix = Array("[\(name)] ".utf8)
        self.format = format
        self.rawLevel = rawLevel
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
        var line: [UInt8]
        switch format {
        case .text:
            line = prefix
            line.append(contentsOf: partial)
            line.append(UInt8(ascii: "\n"))
        case .json:
            if partial.first == UInt8(ascii: "{") && partial.last == UInt8(ascii: "}") {
                line = partial
                line.append(UInt8(ascii: "\n"))
            } else {
                let raw = String(decoding: partial, as: UTF8.self)
                line = Array(FerryLogHandler.line(format: .json, level: rawLevel, process: name, source: nil, message: raw).utf8)
            }
        }
        line.withUnsafeBytes { bytes in
            _ = fwrite(bytes.baseAddress, 1, bytes.count, output)
            if let copy { _ = fwrite(bytes.baseAddress, 1, bytes.count, copy) }
        }
        partial.removeAll(keepingCapacity: true)
    }
}
