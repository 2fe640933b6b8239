/// A configuration problem, phrased for the person who wrote the config:
/// where the value came from (file and line, or flag), which key, and what
/// was expected.
public struct ConfigError: Error, CustomStringConvertible, Equatable {
    /// "ferry.toml:12", "--port", "default", or the file alone for a problem
    /// with the file as a whole.
    public let origin: String
    /// The TOML key, e.g. "backend.batch_limit"; empty when it is the file.
    public let key: String
    public let problem: String

    public init(origin: String, key: String, problem: String) {
        self.origin = origin
        self.key = key
        self.problem = problem
    }

    public var description: String {
        if key.isEmpty { return "\(origin): \(problem)" }
        if origin.hasPrefix("--") { return "\(origin) (\(key)) \(problem)" }
        return "\(origin): \(key) \(problem)"
    }
}
