#if canImport(Glibc)
import Glibc
#endif
import FerryLog
import Wire

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

    /// Records one finished call. Times are monotonic nanoseconds; `queuedNs`
    /// is how long after its start the try that answered ran: a call sent
    /// ahead waits in the server's queue first (`Backend.pipeline`), a call
    /// tried again spends its failed tries and backoff (0 for a call sent
    /// to a free slot that answered on its first try).
    /// `keys` are the items' `PayloadKey`s and `sizes` their sizes (the
    /// scheduler's cost hints), in batch order.
    public func record(batchID: UInt64, model: String, items: Int, startNs: Int64, queuedNs: Int64 = 0, endNs: Int64, failed: Int, keys: [UInt64], sizes: [UInt64]) {
        let keyList = keys.map { "\"\(PayloadKey.hex($0))\"" }.joined(separator: ",")
        let sizeList = sizes.map { "\($0)" }.joined(separator: ",")
        fputs("{\"batch\":\(batchID),\"model\":\(jsonQuoted(model)),\"items\":\(items),\"start_ns\":\(startNs),\"end_ns\":\(endNs),\"queued_ns\":\(queuedNs),\"failed\":\(failed),\"keys\":[\(keyList)],\"sizes\":[\(sizeList)]}\n", file)
        fflush(file)
    }
}
