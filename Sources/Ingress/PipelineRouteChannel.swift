import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1

/// Hummingbird's HTTP/1 child channel with `PipelineRouteHandler` in its pipeline,
/// right after the connection-state handler (which `HTTP1Channel`'s own
/// `additionalChannelHandlers` would put it before, hiding its requests from
/// the idle timeout and graceful shutdown), and NIO's pipelining handler
/// after the codec: it holds a client's next request until the answer to
/// the one before is written, so answers keep their order whether the seed
/// route or the router gives them.
struct PipelineRouteChannel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let http: HTTP1Channel
    let makeHandler: @Sendable () -> PipelineRouteHandler

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        http.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            try pipeline.addHandler(HTTPServerPipelineHandler(), position: .before(try pipeline.handler(type: HTTP1ToHTTPServerCodec.self)))
            let connectionState = try pipeline.handler(type: HTTPConnectionStateHandler.self)
            try pipeline.addHandler(makeHandler(), position: .after(connectionState))
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await http.handle(value: value, logger: logger)
    }
}
