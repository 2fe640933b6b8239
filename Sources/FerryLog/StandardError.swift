#if canImport(Glibc)
import Glibc
#endif

/// Standard error without C's `stderr` global (which Swift 6 code may not
/// name): one write(2) per call to descriptor 2, so a line up to PIPE_BUF
/// bytes reaches the supervisor's pipe whole, never interleaved.
public enum StandardError {
    public static func write(_ text: String) {
        _ = text.utf8CString.withUnsafeBufferPointer { Glibc.write(STDERR_FILENO, $0.baseAddress, $0.count - 1) }
    }
}
