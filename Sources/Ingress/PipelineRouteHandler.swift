import Foundation
import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Serves the hot routes (`PipelineRoute`s: the seed's `POST
/// /proxy_classify`, the protocol's `infer`) inside the connection's channel
/// pipeline, on its event loop: decode, submit on the scheduler link (the
/// same loop), answer, with no hop to Swift concurrency's pool and back
/// (issue 17: those hops were most of the ingress's cost per request).
/// Every other request passes on to Hummingbird's router.
///
/// It sits after Hummingbird's `HTTPConnectionStateHandler`, so the idle
/// timeout and a graceful shutdown's "close once answered" see its
/// requests, and behind NIO's pipelining handler, which hands it one request
/// at a time.
final class PipelineRouteHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundOut = HTTPResponsePart

    private enum State {
        case idle
        /// Another route's request: its parts go on to the router.
        case forwarding
        /// A hot route's body is arriving.
        case collecting(any PipelineRoute, HTTPRequest, ByteBuffer, startNs: UInt64)
        /// Answered already (the body was over the limit); the rest is dropped.
        case discarding
        /// Running; the answer is due. `withdraw` is nil only while starting.
        case waiting(withdraw: (@Sendable () -> Void)?, closeAfter: Bool, startNs: UInt64)
    }

    private let routes: [any PipelineRoute]
    private let metrics: IngressMetrics?
    private let performance: PerformanceLog
    private var state = State.idle
    private var dates = HTTPDateCache()

    init(routes: [any PipelineRoute], metrics: IngressMetrics?, performance: PerformanceLog) {
        self.routes = routes
        self.metrics = metrics
        self.performance = performance
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch (state, part) {
        case let (.idle, .head(head)):
            guard let route = routes.first(where: { $0.serves(head) }) else {
                state = .forwarding
                context.fireChannelRead(data)
                return
            }
            state = .collecting(route, head, ByteBuffer(), startNs: DispatchTime.now().uptimeNanoseconds)
        case (.forwarding, .end):
            state = .idle
            context.fireChannelRead(data)
        case (.forwarding, _):
            context.fireChannelRead(data)
        case (.collecting(let route, let head, var body, let startNs), .body(var chunk)):
            state = .idle  // no copy-on-write of `body` while it grows
            guard body.readableBytes + chunk.readableBytes <= route.maxBodyBytes else {
                state = .discarding
                respond(route.bodyTooLarge, client: route.gate.name(headers: head.headerFields), startNs: startNs,
                        closeAfter: Self.wantsClose(head), context: context)
                return
            }
            if body.readableBytes == 0 { body = chunk } else { body.writeBuffer(&chunk) }
            state = .collecting(route, head, body, startNs: startNs)
        case let (.collecting(route, head, body, startNs), .end):
            run(route, head, body: body, startNs: startNs, context: context)
        case (.discarding, .end):
            state = .idle
        case (.discarding, _):
            break
        default:
            // A part out of order (the codec never sends one): end the connection.
            context.close(promise: nil)
        }
    }

    /// The whole request is here: run it, and answer when the route does.
    private func run(_ route: any PipelineRoute, _ head: HTTPRequest, body: ByteBuffer, startNs: UInt64,
                     context: ChannelHandlerContext) {
        let closeAfter = Self.wantsClose(head)
        state = .waiting(withdraw: nil, closeAfter: closeAfter, startNs: startNs)
        let loop = context.eventLoop
        let handler = NIOLoopBound(self, eventLoop: loop)
        let boundContext = NIOLoopBound(context, eventLoop: loop)
        let withdraw = route.run(head, body: body) { reply, client in
            // The scheduler link shares this loop: no hop. A withdrawal from another thread hops once.
            if loop.inEventLoop {
                handler.value.answered(reply, client: client, context: boundContext.value)
            } else {
                loop.execute { handler.value.answered(reply, client: client, context: boundContext.value) }
            }
        }
        if case .waiting(nil, _, _) = state {
            state = .waiting(withdraw: withdraw, closeAfter: closeAfter, startNs: startNs)
        }
    }

    private func answered(_ reply: PipelineReply, client: String, context: ChannelHandlerContext) {
        guard case let .waiting(_, closeAfter, startNs) = state else { return }  // the client left
        state = .idle
        respond(reply, client: client, startNs: startNs, closeAfter: closeAfter, context: context)
    }

    private func respond(_ reply: PipelineReply, client: String, startNs: UInt64, closeAfter: Bool, context: ChannelHandlerContext) {
        var fields = reply.headers
        fields[.contentType] = reply.contentType
        fields[.contentLength] = String(reply.body.readableBytes)
        fields[.date] = dates.now()
        fields[.server] = "ferry"
        let close = closeAfter || fields[.connection] == "close"
        if close { fields[.connection] = "close" }
        context.write(wrapOutboundOut(.head(HTTPResponse(status: reply.status, headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(reply.body)), promise: nil)
        if close {
            // Closed once the answer is out, not before: a full socket buffer would drop it.
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
        } else {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
        let elapsed = Int64(DispatchTime.now().uptimeNanoseconds - startNs)
        metrics?.answered(client: client, status: reply.status.code, nanoseconds: elapsed)
        performance.record(status: reply.status.code, nanoseconds: elapsed)
    }

    /// Watches for the connection's end. Not by `channelInactive`: Hummingbird's
    /// connection-state handler, before this one, does not pass it on.
    func handlerAdded(context: ChannelHandlerContext) {
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.channel.closeFuture.whenComplete { _ in handler.value.clientLeft() }
    }

    /// The client went away: nobody is left to answer, so withdraw it from the queue.
    private func clientLeft() {
        let was = state
        state = .idle  // before the withdrawal, whose answer then finds nobody waiting
        if case let .waiting(withdraw?, _, _) = was { withdraw() }
    }

    /// The client asked to close after this answer (as Hummingbird's own loop honours).
    static func wantsClose(_ head: HTTPRequest) -> Bool {
        head.headerFields[.connection]?.lowercased() == "close"
    }
}
