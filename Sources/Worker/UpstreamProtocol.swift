import NIOCore
import NIOPosix

/// One protocol a model server speaks, for `UpstreamBackend`: sends one
/// batch's payloads to the upstream at `url` and gives back one answer per
/// payload, in order. Retries, backoff and the choice of upstream are the
/// backend's; a face only says how a call failed.
public protocol UpstreamProtocol: Sendable {
    /// For logs and `/readyz` ("http", "oip-http", "oip-grpc").
    var name: String { get }
    func call(url: String, payloads: [[UInt8]], timeoutMs: Int64) async -> Result<[[UInt8]], UpstreamCallError>
    /// Releases connections; called once, on the worker's loop, as it ends.
    func shutdown()
}

/// How one call to a model server failed.
public enum UpstreamCallError: Error, Sendable {
    /// Nothing reached a model server (connection refused): tried again without spending a try.
    case unreachable(String)
    /// A reset, a timeout, a 5xx or its gRPC kin: tried again, spending a try.
    case retryable(String)
    /// The upstream refused the call or answered nonsense: the batch fails now.
    case final(String)

    /// A refused connect: the request was never sent, so nothing ran.
    static func isRefused(_ error: any Error) -> Bool {
        if let e = error as? IOError { return e.errnoCode == ECONNREFUSED }
        if let e = error as? NIOConnectionError { return e.connectionErrors.contains { isRefused($0.error) } }
        return false
    }
}
