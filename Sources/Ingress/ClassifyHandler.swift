import Foundation
import HTTPTypes
import NIOCore
import NIOHTTPTypes
import Wire

/// Serves the seed's hot route, `POST /proxy_classify`, inside the
/// connection's channel pipeline, on its event loop: decode, submit on the
/// scheduler link (the same loop), answer, with no hop to Swift
/// concurrency's pool and back (issue 17: those hops were most of the
/// ingress's cost per request). Every other request passes on to the router.
///
/// It sits after Hummingbird's `HTTPConnectionStateHandler`, so the idle
/// timeout and a graceful shutdown's "close once answered" see its
/// requests, and NIO's pipelining handler hands it one request at a time.
final class ClassifyHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundOut = HTTPResponsePart

    private enum State {
        case idle
        /// Another route's request: its parts go on to the router.
        case forwarding
        /// A seed request's body is arriving.
        case collecting(HTTPRequest, ByteBuffer, startNs: UInt64)
        /// Answered already (the body was over the limit); the rest is dropped.
        case discarding
        /// Submitted; the scheduler's answer is due (the id is nil only while submitting).
        case waiting(id: UInt64?, client: String, closeAfter: Bool, startNs: UInt64)
    }

    private let exchange: ClassifyExchange
    private let metrics: IngressMetrics?
    private let performance: PerformanceLog
    private var state = State.idle
    private var dates = HTTPDateCache()

    init(exchange: ClassifyExchange, metrics: IngressMetrics?, performance: PerformanceLog) {
        self.exchange = exchange
        self.metrics = metrics
        self.performance = performance
    }

    static let path = "/proxy_classify"

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch (state, part) {
        case let (.idle, .head(head)):
            guard head.method == .post, Self.isSeedPath(head.path) else {
                state = .forwarding
                context.fireChannelRead(data)
                return
            }
            state = .collecting(head, ByteBuffer(), startNs: DispatchTime.now().uptimeNanoseconds)
        case (.forwarding, .end):
            state = .idle
            context.fireChannelRead(data)
        case (.forwarding, _):
            context.fireChannelRead(data)
        case (.collecting(let head, var body, let startNs), .body(var chunk)):
            state = .idle  // no copy-on-write of `body` while it grows
            guard body.readableBytes + chunk.readableBytes <= exchange.limits.maxBodyBytes else {
                state = .discarding
                respond(exchange.bodyTooLarge, client: "anonymous", startNs: startNs,
                        closeAfter: Self.wantsClose(head), context: context)
                return
            }
            if body.readableBytes == 0 { body = chunk } else { body.writeBuffer(&chunk) }
            state = .collecting(head, body, startNs: startNs)
        case let (.collecting(head, body, startNs), .end):
            run(head, body: body, startNs: startNs, context: context)
        case (.discarding, .end):
            state = .idle
        case (.discarding, _):
            break
        default:
            // A part out of order (the codec never sends one): end the connection.
            context.close(promise: nil)
        }
    }

    /// The whole request is here: refuse it, or submit it and answer when the scheduler does.
    private func run(_ head: HTTPRequest, body: ByteBuffer, startNs: UInt64, context: ChannelHandlerContext) {
        let closeAfter = Self.wantsClose(head)
        let (client, step) = exchange.prepare(head, body: body)
        let submission: ClassifyExchange.Submission
        switch step {
        case let .reply(reply):
            state = .idle
            respond(reply, client: client, startNs: startNs, closeAfter: closeAfter, context: context)
            return
        case let .submit(s): submission = s
        }
        state = .waiting(id: nil, client: client, closeAfter: closeAfter, startNs: startNs)
        let loop = context.eventLoop
        let handler = NIOLoopBound(self, eventLoop: loop)
        let boundContext = NIOLoopBound(context, eventLoop: loop)
        let id = exchange.scheduler.submit(model: exchange.model, client: client, cost: submission.cost,
                                           timeoutMs: submission.timeoutMs, payload: submission.payload) { result in
            // The link shares this loop: no hop. A withdrawal from another thread hops once.
            if loop.inEventLoop {
                handler.value.answered(result, context: boundContext.value)
            } else {
                loop.execute { handler.value.answered(result, context: boundContext.value) }
            }
        }
        if case .waiting(nil, _, _, _) = state, let id {
            state = .waiting(id: id, client: client, closeAfter: closeAfter, startNs: startNs)
        }
    }

    private func answered(_ result: RequestResult, context: ChannelHandlerContext) {
        guard case let .waiting(_, client, closeAfter, startNs) = state else { return }  // the client left
        state = .idle
        respond(exchange.reply(to: result), client: client, startNs: startNs, closeAfter: closeAfter, context: context)
    }

    private func respond(_ reply: ClassifyExchange.Reply, client: String, startNs: UInt64, closeAfter: Bool,
                         context: ChannelHandlerContext) {
        var fields = HTTPFields()
        fields.reserveCapacity(6)
        fields[.contentType] = "application/json"
        fields[.contentLength] = String(reply.body.readableBytes)
        fields[.date] = dates.now()
        fields[.server] = "ferry"
        if let seconds = reply.retryAfterSeconds { fields[.retryAfter] = String(seconds) }
        if closeAfter { fields[.connection] = "close" }
        context.write(wrapOutboundOut(.head(HTTPResponse(status: reply.status, headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(reply.body)), promise: nil)
        if closeAfter {
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

    func channelInactive(context: ChannelHandlerContext) {
        // The client went away: nobody is left to answer, so withdraw it from the queue.
        if case let .waiting(id?, _, _, _) = state {
            state = .idle
            exchange.scheduler.cancel(id)
        }
        state = .idle
        context.fireChannelInactive()
    }

    /// The path without its query.
    static func isSeedPath(_ path: String?) -> Bool {
        guard let path else { return false }
        guard let query = path.utf8.firstIndex(of: UInt8(ascii: "?")) else { return path == Self.path }
        return path.utf8[..<query].elementsEqual(Self.path.utf8)
    }

    /// The client asked to close after this answer (as Hummingbird's own loop honours).
    static func wantsClose(_ head: HTTPRequest) -> Bool {
        head.headerFields[.connection]?.lowercased() == "close"
    }
}
