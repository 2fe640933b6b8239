/// Why an inference request was not answered, in the protocol's terms: each
/// case knows its HTTP status (the gRPC face maps each to its status code,
/// in `Ingress.InferenceGRPCService`).
public enum InferenceError: Error, Equatable, Sendable {
    case notFound(String)
    case invalidArgument(String)
    /// Queue full or over a rate; retry after this many seconds.
    case resourceExhausted(String, retryAfterSeconds: Int)
    case deadlineExceeded(String)
    case unauthenticated(String)
    case unavailable(String)
    /// The backend failed the request.
    case backendFailed(String)
    case `internal`(String)

    public var message: String {
        switch self {
        case let .notFound(m), let .invalidArgument(m), let .resourceExhausted(m, _), let .deadlineExceeded(m),
             let .unauthenticated(m), let .unavailable(m), let .backendFailed(m), let .internal(m): m
        }
    }

    public var httpStatus: Int {
        switch self {
        case .notFound: 404
        case .invalidArgument: 400
        case .resourceExhausted: 429
        case .deadlineExceeded: 504
        case .unauthenticated: 401
        case .unavailable: 503
        case .backendFailed: 502
        case .internal: 500
        }
    }
}
