import Foundation

/// Validates a `/proxy_classify` request body: pure, no server types, so the
/// fuzz target can drive it directly. Every refusal says what was expected.
public enum ClassifyRequestDecoder {
    /// Why a request is refused, with the HTTP status to answer.
    public struct Problem: Error, Equatable {
        public let status: Int
        public let message: String
    }

    static let expected = "expected {\"sequence\": \"<text>\"}"

    /// The text to classify, or the problem with the request.
    public static func decode(body: [UInt8], contentType: String?, maxSequenceLength: Int) -> Result<String, Problem> {
        if let type = contentType?.lowercased(), !type.hasPrefix("application/json") {
            return .failure(Problem(status: 415, message: "content type '\(type)' is not supported; send application/json"))
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) else {
            return .failure(Problem(status: 400, message: "body is not valid JSON; \(expected)"))
        }
        guard let fields = object as? [String: Any] else {
            return .failure(Problem(status: 400, message: "body must be a JSON object; \(expected)"))
        }
        guard let value = fields["sequence"] else {
            return .failure(Problem(status: 400, message: "missing field 'sequence'; \(expected)"))
        }
        let unknown = fields.keys.filter { $0 != "sequence" }.sorted()
        guard unknown.isEmpty else {
            return .failure(Problem(status: 400, message: "unknown field\(unknown.count > 1 ? "s" : "") \(unknown.map { "'\($0)'" }.joined(separator: ", ")); \(expected)"))
        }
        guard let text = value as? String, !(value is NSNumber) else {
            return .failure(Problem(status: 400, message: "field 'sequence' has the wrong type; \(expected)"))
        }
        guard !text.isEmpty else {
            return .failure(Problem(status: 400, message: "field 'sequence' is empty"))
        }
        let length = text.unicodeScalars.count
        guard length <= maxSequenceLength else {
            return .failure(Problem(status: 400, message: "sequence of \(length) characters is over the limit of \(maxSequenceLength)"))
        }
        return .success(text)
    }
}
