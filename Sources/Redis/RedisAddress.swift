/// Where a Redis server listens: `HOST:PORT` (`[::1]:6379` for IPv6) or a
/// Unix socket path (`/run/redis/redis.sock`, or `unix:///run/…`).
public enum RedisAddress: Equatable, Sendable, CustomStringConvertible {
    case tcp(host: String, port: Int32)
    case unix(path: String)

    /// Parses `text`; nil when it is neither form.
    public init?(_ text: String) {
        if text.hasPrefix("unix://") {
            self = .unix(path: String(text.dropFirst("unix://".count)))
        } else if text.hasPrefix("/") {
            self = .unix(path: text)
        } else {
            let plain = text.hasPrefix("redis://") ? String(text.dropFirst("redis://".count)) : text
            guard let colon = plain.lastIndex(of: ":"), let port = Int32(plain[plain.index(after: colon)...]),
                  (1...65535).contains(port) else { return nil }
            var host = String(plain[..<colon])
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            guard !host.isEmpty else { return nil }
            self = .tcp(host: host, port: port)
        }
    }

    public var description: String {
        switch self {
        case let .tcp(host, port): host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case let .unix(path): path
        }
    }
}
