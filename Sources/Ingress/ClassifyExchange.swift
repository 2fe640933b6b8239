import CostModel
import FerryLog
import HTTPTypes
import NIOCore
import Wire

/// The seed route's rules, `POST /proxy_classify`, apart from how the bytes
/// arrive: who the client is and whether it may send, what the body asks,
/// and how the scheduler's answer reads back. `ClassifyHandler` drives it on
/// the connection's event loop. Answers are byte-compatible with the seed's
/// FastAPI proxy (`{"result":"code"}`), so its clients work unchanged.
struct ClassifyExchange: Sendable {
    let scheduler: SchedulerClient
    /// The model `/proxy_classify` submits to.
    let model: String
    /// What the model's cost follows in a text.
    let itemSize: ItemSize
    let limits: IngressConfiguration.Limits
    let gate: ClientGate

    /// A finished answer: its status, its JSON body and, for a 429, when to retry.
    struct Reply {
        var status: HTTPResponse.Status
        var body: ByteBuffer
        var retryAfterSeconds: Int?

        init(_ status: HTTPResponse.Status, body: ByteBuffer, retryAfterSeconds: Int? = nil) {
            self.status = status
            self.body = body
            self.retryAfterSeconds = retryAfterSeconds
        }

        /// `{"error":"…"}`.
        static func error(_ status: HTTPResponse.Status, _ message: String, retryAfterSeconds: Int? = nil) -> Reply {
            Reply(status, body: ByteBuffer(string: "{\"error\":\(jsonQuoted(message))}"), retryAfterSeconds: retryAfterSeconds)
        }
    }

    /// What the scheduler is asked to run for a request that passed every check.
    struct Submission {
        let cost: UInt64
        let timeoutMs: UInt32
        let payload: [UInt8]
    }

    /// What becomes of a request: the scheduler runs it, or it is answered now (refused).
    enum Step {
        case submit(Submission)
        case reply(Reply)
    }

    /// The client a request is from (for the metrics; "unauthenticated" when
    /// its key is refused), and its next step.
    func prepare(_ head: HTTPRequest, body: ByteBuffer) -> (client: String, step: Step) {
        let client: String
        switch gate.client(header: { HTTPField.Name($0).flatMap { head.headerFields[$0] } }) {
        case let .success(c): client = c
        case let .failure(refusal):
            return ("unauthenticated", .reply(.error(HTTPResponse.Status(code: refusal.status), refusal.message)))
        }
        if let refusal = gate.admit(client) {
            return (client, .reply(.error(.tooManyRequests, refusal.message, retryAfterSeconds: refusal.retryAfterSeconds)))
        }
        let text: String
        switch ClassifyRequestDecoder.decode(body: Array(buffer: body), contentType: head.headerFields[.contentType],
                                             maxSequenceLength: limits.maxSequenceLength) {
        case let .success(t): text = t
        case let .failure(p): return (client, .reply(.error(HTTPResponse.Status(code: p.status), p.message)))
        }
        var timeoutMs = limits.defaultTimeoutMs
        if let raw = head.headerFields[Self.timeoutHeader] {
            guard let t = UInt32(raw), t > 0 else {
                return (client, .reply(.error(.badRequest, "X-Timeout-Ms must be a positive whole number of milliseconds, got '\(raw)'")))
            }
            timeoutMs = t
        }
        return (client, .submit(Submission(cost: itemSize.size(ofText: text), timeoutMs: timeoutMs, payload: Array(text.utf8))))
    }

    /// The answer to a body over `limits.maxBodyBytes`.
    var bodyTooLarge: Reply { .error(.contentTooLarge, "request body over \(limits.maxBodyBytes) bytes") }

    /// The scheduler's answer in the seed's terms.
    func reply(to result: RequestResult) -> Reply {
        let reason = String(decoding: result.body, as: UTF8.self)
        switch result.status {
        case .ok:
            // Exactly the seed's bytes: {"result":"code"}
            return Reply(.ok, body: ByteBuffer(string: "{\"result\":\(jsonQuoted(reason))}"))
        case .rejected:
            return .error(.tooManyRequests, reason, retryAfterSeconds: max(1, (Int(result.retryAfterMs) + 999) / 1000))
        case .expired:
            return .error(.gatewayTimeout, reason)
        case .failed, .invalid:
            return .error(.badGateway, reason)
        case .unavailable, .busy:
            // The scheduler queues a busy call again and never answers with it; 503 if one ever did.
            return .error(.serviceUnavailable, reason)
        }
    }

    static let timeoutHeader = HTTPField.Name("X-Timeout-Ms")!
}
