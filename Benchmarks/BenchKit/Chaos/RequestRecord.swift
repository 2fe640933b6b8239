import Foundation

/// What happened to one request of the soak, as the HTTP client saw it.
public struct RequestRecord: Sendable, Codable {
    /// How a request failed below HTTP.
    public enum TransportError: String, Sendable, Codable, CaseIterable {
        /// Nobody listened (Ferry down or its ingress restarting): not a loss.
        case refused
        /// The connection was reset or closed before an answer: the ingress
        /// died with it open, which Ferry documents.
        case reset
        /// No answer within the per-request timeout (60 s): the request is lost.
        case timeout
        /// Bytes on the connection that were not one HTTP answer to this
        /// request — a second answer for one request shows up this way at an
        /// HTTP client, so these count as "answered twice".
        case protocolError = "protocol"
        /// Anything else (its description is kept).
        case other
    }

    public let number: Int
    public let client: String
    public let text: String
    public let expected: String
    /// Nanoseconds since the start of the soak.
    public var sentNs: Int64
    public var answeredNs: Int64?
    public var status: UInt?
    public var body: String?
    public var error: TransportError?
    public var errorDescription: String?

    /// A 200 whose body is exactly `{"result":"<expected>"}`, as the seed's proxy answers.
    public var isRight: Bool {
        guard status == 200, let body, let data = body.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              object.count == 1, let result = object["result"] as? String else { return false }
        return result == expected
    }
}
