/// What stops the ingress from starting or serving, in words an operator can act on.
public enum IngressError: Error, CustomStringConvertible {
    case apiKeys(String)
    /// A port it cannot listen on.
    case listen(String)

    public var description: String {
        switch self {
        case let .apiKeys(text): "api keys: \(text)"
        case let .listen(text): text
        }
    }
}
