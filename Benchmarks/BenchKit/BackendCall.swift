import Foundation

/// One line of the worker's call log (`--worker-call-log`): one backend call.
/// Fields are named as the worker writes them, so the type decodes the log
/// with no key mapping.
public struct BackendCall: Decodable, Sendable {
    public let batch: UInt64
    /// The model whose backend ran it.
    public let model: String
    public let items: Int
    /// Monotonic nanoseconds.
    public let start_ns: Int64
    public let end_ns: Int64
    /// How long after `start_ns` the try that answered ran: a call sent ahead
    /// (`--pipeline`) waits in the server's queue, a call tried again spends
    /// its failed tries and backoff; absent in logs from before pipelining.
    public let queued_ns: Int64?
    /// How many of the items failed.
    public let failed: Int
    /// Each item's payload key (FNV-1a 64-bit, 16 hex digits), in batch order.
    public let keys: [String]
    /// Each item's size (the scheduler's cost hint: characters of a text), in batch order.
    public let sizes: [UInt64]?
}

extension BackendCall {
    /// When the server began to run its answering try (after any wait in its queue).
    public var ranNs: Int64 { start_ns + (queued_ns ?? 0) }
    /// What the call itself took at the server: the scheduler's service time.
    public var serviceNs: Int64 { end_ns - ranNs }

    /// Reads a call log, one JSON object a line; a bad line is named by its number.
    public static func read(log path: String) throws -> [BackendCall] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let decoder = JSONDecoder()
        return try text.split(separator: "\n").enumerated().map { index, line in
            do { return try decoder.decode(BackendCall.self, from: Data(line.utf8)) } catch {
                throw BenchError.live("\(path):\(index + 1): not a call-log line (\(error))")
            }
        }
    }
}
