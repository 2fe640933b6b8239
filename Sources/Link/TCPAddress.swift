/// `tcp://HOST:PORT` (HOST numeric; `[v6]` in brackets); anything else is a
/// Unix socket path.
public enum TCPAddress {
    public static func parse(_ address: String) throws -> (host: String, port: Int)? {
        guard address.hasPrefix("tcp://") else { return nil }
        let rest = address.dropFirst(6)
        guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]), (0...65535).contains(port) else {
            throw LinkError("\(address): expected tcp://HOST:PORT")
        }
        var host = String(rest[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host, port)
    }
}
