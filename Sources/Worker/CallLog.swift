#if canImport(Glibc)
import Glibc
#endif

/// Appends one JSON line per backend call to a file, so a test or an operator
/// can check what the backend really saw (sizes, overlaps, timing).
public final class CallLog {
    private let file: UnsafeMutablePointer<FILE>

    /// Opens `path` for appending; nil when it cannot be opened.
    public init?(path: String) {
        guard let f = fopen(path, "a") else { return nil }
        file = f
    }

    deinit { fclose(file) }

    /// Records one finished call. Times are monotonic nanoseconds.
    public func record(batchID: UInt64, items: Int, startNs: Int64, endNs: Int64, failed: Int) {
        fputs("{\"batch\":\(batchID),\"items\":\(items),\"start_ns\":\(startNs),\"end_ns\":\(endNs),\"failed\":\(failed)}\n", file)
        fflush(file)
    }
}
