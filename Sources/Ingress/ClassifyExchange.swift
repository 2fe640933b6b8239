import CostModel
import FerryLog
import HTTPTypes
import NIOCore
import Wire

/// The seed route, `POST /proxy_classify`, as a `PipelineRoute`: who the
/// client is and whether it may send, what the body asks, and how the
/// scheduler's answer reads back. Answers are byte-compatible with the seed's
/// FastAPI proxy (`{"result":"code"}`), so its clients work unchanged.
struct ClassifyExchange: PipelineRoute {
    let scheduler: SchedulerClient
    /// The model `/proxy_classify` submits to.
    let model: String
    /// What the model's cost follows in a text.
    let itemSize: ItemSize
    let limits: IngressConfiguration.Limits
    let gate: ClientGate

    static let path = "/proxy_classify"
    static let timeoutHeader = HTTPField.Name("X-Timeout-Ms")!

    func serves(_ head: HTTPRequest) -> Bool { head.method == .post && head.pathOnly == Self.path }

    var maxBodyBytes: Int { limits.maxBodyBytes }

    var bodyTooLarge: PipelineReply { Self.error(.contentTooLarge, "request body over \(limits.maxBodyBytes) bytes") }

    func run(_ head: HTTPRequest, body: ByteBuffer,
             answer: @escaping @Sendable (PipelineReply, _ client: String) -> Void) -> (@Sendable () -> Void)? {
        let (client, refusal) = gate.pass(headers: head.headerFields)
        if let refusal {
            answer(Self.error(HTTPResponse.Status(code: refusal.status), refusal.message,
                              retryAfterSeconds: refusal.status == 429 ? refusal.retryAfterSeconds : nil), client)
            return nil
        }
        let text: String
        switch ClassifyRequestDecoder.decode(body: Array(buffer: body), contentType: head.headerFields[.contentType],
                                             maxSequenceLength: limits.maxSequenceLength) {
        case let .success(t): text = t
        case let .failure(p):
            answer(Self.error(HTTPResponse.Status(code: p.status), p.message), client)
            return nil
        }
        var timeoutMs = limits.defaultTimeoutMs
        if let raw = head.headerFields[Self.timeoutHeader] {
            guard let t = UInt32(raw), t > 0 else {
                answer(Self.error(.badRequest, "X-Timeout-Ms must be a positive whole number of milliseconds, got '\(raw)'"), client)
                return nil
            }
            timeoutMs = t
        }
        let id = scheduler.submit(model: model, client: client, cost: itemSize.size(ofText: text), timeoutMs: timeoutMs,
                                  payload: Array(text.utf8)) { answer(Self.reply(to: $0), client) }
        guard let id else { return nil }
        return { [scheduler] in scheduler.cancel(id) }
    }

    /// The scheduler's answer in the seed's terms.
    static func reply(to result: RequestResult) -> PipelineReply {
        let reason = String(decoding: result.body, as: UTF8.self)
        switch result.status {
        case .ok:
            // Exactly the seed's bytes: {"result":"code"}
            return PipelineReply(.ok, body: ByteBuffer(string: "{\"result\":\(jsonQuoted(reason))}"))
        case .rejected:
            return error(.tooManyRequests, reason, retryAfterSeconds: max(1, (Int(result.retryAfterMs) + 999) / 1000))
        case .expired:
            return error(.gatewayTimeout, reason)
        case .failed, .invalid:
            return error(.badGateway, reason)
        case .unavailable, .busy:
            // The scheduler queues a busy call again and never answers with it; 503 if one ever did.
            return error(.serviceUnavailable, reason)
        }
    }

    /// `{"error":"…"}`, with a Retry-After for a 429.
    static func error(_ status: HTTPResponse.Status, _ message: String, retryAfterSeconds: Int? = nil) -> PipelineReply {
        var headers = HTTPFields()
        if let retryAfterSeconds { headers[.retryAfter] = String(retryAfterSeconds) }
        return PipelineReply(status, body: ByteBuffer(string: "{\"error\":\(jsonQuoted(message))}"), headers: headers)
    }
}
