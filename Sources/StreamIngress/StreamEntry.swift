import Redis

/// One stream entry as Redis returns it: its id and its field/value pairs
/// (nil when the entry was deleted or trimmed while pending).
struct StreamEntry {
    var id: String
    var fields: [(name: String, value: [UInt8])]?

    /// The field the request's payload is in.
    static let dataField = "data"

    var data: [UInt8]? { fields?.first { $0.name == Self.dataField }?.value }
    func field(_ name: String) -> String? {
        fields?.first { $0.name == name }.map { String(decoding: $0.value, as: UTF8.self) }
    }

    /// `[id, [field, value, …]]`; nil when the reply is not an entry.
    init?(_ reply: RedisReply) {
        guard let pair = reply.elements, pair.count == 2, let id = pair[0].text else { return nil }
        self.id = id
        guard let flat = pair[1].elements else {
            fields = nil
            return
        }
        var fields: [(String, [UInt8])] = []
        var i = 0
        while i + 1 < flat.count {
            if let name = flat[i].text, case let .string(value) = flat[i + 1] { fields.append((name, value)) }
            i += 2
        }
        self.fields = fields
    }

    /// The entries of an XREADGROUP reply for one stream (`[[key, [entry…]]]`,
    /// or null when a blocking read timed out).
    static func fromRead(_ reply: RedisReply) -> [StreamEntry] {
        guard let streams = reply.elements, let first = streams.first?.elements, first.count == 2,
              let entries = first[1].elements else { return [] }
        return entries.compactMap(StreamEntry.init)
    }

    /// XAUTOCLAIM's `[next cursor, [entry…], [deleted id…]]`.
    static func fromClaim(_ reply: RedisReply) -> (cursor: String, entries: [StreamEntry], deleted: [String])? {
        guard let parts = reply.elements, parts.count >= 2, let cursor = parts[0].text, let entries = parts[1].elements else { return nil }
        let deleted = parts.count > 2 ? (parts[2].elements ?? []).compactMap(\.text) : []
        return (cursor, entries.compactMap(StreamEntry.init), deleted)
    }

    /// XPENDING's extended form, `[[id, consumer, idle ms, deliveries]…]`: deliveries by id.
    static func deliveries(_ reply: RedisReply) -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in reply.elements ?? [] {
            guard let r = row.elements, r.count == 4, let id = r[0].text, case let .integer(n) = r[3] else { continue }
            counts[id] = Int(n)
        }
        return counts
    }
}
