import Foundation

/// Optional API keys: each maps to a client identity, so a client cannot
/// claim another's share by sending another's `X-Client-Id`.
public struct APIKeys: Sendable {
    private let clients: [String: String]

    /// Reads `KEY CLIENT` lines (`#` starts a comment). Errors name the file and line.
    public init(file path: String) throws {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw IngressError.apiKeys("\(path): cannot read: \(error.localizedDescription)")
        }
        var map: [String: String] = [:]
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            if words.isEmpty { continue }
            guard words.count == 2 else {
                throw IngressError.apiKeys("\(path):\(number + 1): expected 'KEY CLIENT', got \(words.count) word(s)")
            }
            guard map[words[0]] == nil else { throw IngressError.apiKeys("\(path):\(number + 1): key given twice") }
            map[words[0]] = words[1]
        }
        guard !map.isEmpty else { throw IngressError.apiKeys("\(path): no keys") }
        clients = map
    }

    /// The client a key belongs to.
    public func client(forKey key: String) -> String? { clients[key] }

    public var count: Int { clients.count }
}

/// Why the ingress could not start.
