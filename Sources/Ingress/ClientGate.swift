import Foundation
import HTTPTypes
import OpenInference

/// Who is asking, and may they ask now: the same rules on every face (the
/// seed route, the protocol's HTTP routes, gRPC), given a way to read a
/// header or metadata field by its lower-case name.
struct ClientGate: Sendable {
    let apiKeys: APIKeys?
    let rateLimiter: RateLimiter?

    struct Refusal: Error {
        /// 401 or 429.
        let status: Int
        let message: String
        /// For 429: whole seconds until a retry is likely to pass.
        var retryAfterSeconds: Int = 0

        /// The same refusal in the protocol's terms (both of its faces).
        var inferenceError: InferenceError {
            status == 429 ? .resourceExhausted(message, retryAfterSeconds: retryAfterSeconds) : .unauthenticated(message)
        }
    }

    /// The API key's client when keys are configured, else `x-client-id`,
    /// else "anonymous".
    func client(header: (String) -> String?) -> Result<String, Refusal> {
        guard let apiKeys else {
            let named = header("x-client-id").flatMap { $0.isEmpty ? nil : String($0.prefix(128)) }
            return .success(named ?? "anonymous")
        }
        var key = header("x-api-key")
        if key == nil, let auth = header("authorization"), auth.hasPrefix("Bearer ") {
            key = String(auth.dropFirst(7))
        }
        guard let key else { return .failure(.init(status: 401, message: "an API key is required (Authorization: Bearer KEY or X-Api-Key)")) }
        guard let client = apiKeys.client(forKey: key) else { return .failure(.init(status: 401, message: "unknown API key")) }
        return .success(client)
    }

    /// `client` then `admit` in one step, for a face that serves HTTP
    /// headers: who is asking (the metrics' name: "unauthenticated" when the
    /// key is refused), and the refusal if they may not ask now.
    func pass(headers: HTTPFields) -> (client: String, refusal: Refusal?) {
        switch client(headers: headers) {
        case let .failure(refusal): return ("unauthenticated", refusal)
        case let .success(client): return (client, admit(client))
        }
    }

    /// Who is asking, without asking the rate limiter (for the metrics of a
    /// request refused before it ran, such as one over the body limit).
    func name(headers: HTTPFields) -> String {
        (try? client(headers: headers).get()) ?? "unauthenticated"
    }

    /// `client(header:)` over HTTP's header fields.
    func client(headers: HTTPFields) -> Result<String, Refusal> {
        client(header: { HTTPField.Name($0).flatMap { headers[$0] } })
    }

    /// Nil when `client` may send now.
    func admit(_ client: String) -> Refusal? {
        guard let rateLimiter, let wait = rateLimiter.admit(client, nowNs: Int64(DispatchTime.now().uptimeNanoseconds)) else { return nil }
        return Refusal(status: 429, message: "client \(client) is over its rate of \(rateLimiter.rate) requests/s",
                       retryAfterSeconds: max(1, Int(wait.rounded(.up))))
    }
}
