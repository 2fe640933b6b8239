import HTTPTypes
import NIOCore

/// A route served inside the connection's channel pipeline, on its event
/// loop, by `PipelineRouteHandler` (the hot routes: the seed's
/// `/proxy_classify` and the protocol's `infer`), rather than by
/// Hummingbird's router on Swift concurrency's pool.
protocol PipelineRoute: Sendable {
    /// Whether this route serves the request.
    func serves(_ head: HTTPRequest) -> Bool
    /// Who may ask, and how often.
    var gate: ClientGate { get }
    /// The largest body it reads.
    var maxBodyBytes: Int { get }
    /// The answer to a body over `maxBodyBytes`.
    var bodyTooLarge: PipelineReply { get }
    /// Runs a whole request: `answer` is called once, on any thread, with the
    /// reply and the client it was for (for the metrics). What it returns
    /// withdraws the request if the client goes away first.
    func run(_ head: HTTPRequest, body: ByteBuffer,
             answer: @escaping @Sendable (PipelineReply, _ client: String) -> Void) -> (@Sendable () -> Void)?
}

extension HTTPRequest {
    /// The path without its query.
    var pathOnly: Substring {
        guard let path else { return "" }
        return path.firstIndex(of: "?").map { path[..<$0] } ?? path[...]
    }
}
