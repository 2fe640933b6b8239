import Foundation
import Hummingbird
import NIOCore
import Wire

/// The HTTP surface: the seed's `POST /proxy_classify`, plus `/healthz` and
/// `/readyz`. Answers are byte-compatible with the seed's FastAPI proxy
/// (`{"result":"code"}`), so its clients work unchanged.
struct ClassifyRoutes {
    let scheduler: SchedulerClient
    let limits: IngressConfiguration.Limits

    private struct ClassifyRequest: Decodable {
        let sequence: String
    }

    func register(on router: Router<BasicRequestContext>) {
        router.post("proxy_classify") { request, _ in
            await classify(request)
        }
        router.get("healthz") { _, _ in
            json(.ok, ["status": "ok"])
        }
        router.get("readyz") { _, _ in
            if scheduler.isReady { return json(.ok, ["status": "ready"]) }
            let why = scheduler.isConnected ? "scheduler has no backend worker" : "scheduler not connected"
            return json(.serviceUnavailable, ["status": "not ready", "reason": why])
        }
    }

    func classify(_ request: Request) async -> Response {
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: limits.maxBodyBytes)
        } catch {
            return json(.contentTooLarge, ["error": "request body over \(limits.maxBodyBytes) bytes"])
        }
        let decoded: ClassifyRequest
        do {
            decoded = try JSONDecoder().decode(ClassifyRequest.self, from: Data(buffer: body))
        } catch let DecodingError.keyNotFound(key, _) {
            return json(.badRequest, ["error": "missing field '\(key.stringValue)'; expected {\"sequence\": \"<text>\"}"])
        } catch let DecodingError.typeMismatch(_, context) {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            return json(.badRequest, ["error": "field '\(field.isEmpty ? "body" : field)' has the wrong type; expected {\"sequence\": \"<text>\"}"])
        } catch {
            return json(.badRequest, ["error": "body is not valid JSON; expected {\"sequence\": \"<text>\"}"])
        }
        let length = decoded.sequence.unicodeScalars.count
        guard length <= limits.maxSequenceLength else {
            return json(.badRequest, ["error": "sequence of \(length) characters is over the limit of \(limits.maxSequenceLength)"])
        }
        let client = request.headers[.init("X-Client-Id")!].flatMap { $0.isEmpty ? nil : String($0.prefix(128)) } ?? "anonymous"
        var timeoutMs = limits.defaultTimeoutMs
        if let raw = request.headers[.init("X-Timeout-Ms")!] {
            guard let t = UInt32(raw), t > 0 else {
                return json(.badRequest, ["error": "X-Timeout-Ms must be a positive whole number of milliseconds, got '\(raw)'"])
            }
            timeoutMs = t
        }
        let result = await scheduler.submit(client: client, cost: UInt64(length), timeoutMs: timeoutMs,
                                            payload: Array(decoded.sequence.utf8))
        let text = String(decoding: result.body, as: UTF8.self)
        switch result.status {
        case .ok:
            // Exactly the seed's bytes: {"result":"code"}
            var out = ByteBuffer()
            out.writeString("{\"result\":")
            out.writeString(jsonString(text))
            out.writeString("}")
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: out))
        case .rejected:
            var r = json(.tooManyRequests, ["error": text])
            r.headers[.retryAfter] = "1"
            return r
        case .expired:
            return json(.gatewayTimeout, ["error": text])
        case .failed, .invalid:
            return json(.badGateway, ["error": text])
        case .unavailable:
            return json(.serviceUnavailable, ["error": text])
        }
    }
}

/// A small JSON object response: `{"key":"value",…}` in key order.
func json(_ status: HTTPResponse.Status, _ fields: [String: String]) -> Response {
    let body = "{" + fields.keys.sorted().map { "\(jsonString($0)):\(jsonString(fields[$0]!))" }.joined(separator: ",") + "}"
    return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
}

/// `s` as a JSON string literal.
func jsonString(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}
