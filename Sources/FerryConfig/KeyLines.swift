import Foundation

/// Where each key of a TOML text stands, for error messages: TOMLKit parses
/// the file but does not say on which line a value was. This index reads
/// only table headers (`[backend]`) and `key =` at the start of a line;
/// keys it cannot place (inside inline tables or multi-line arrays) fall
/// back to their table's line. The i-th `[[models]]` header is the table
/// `models[i]` (and `[models.x]` below it is `models[i].x`).
struct KeyLines {
    private var lines: [String: Int] = [:]

    init(_ text: String) {
        var table = ""
        var arrays: [String: Int] = [:]  // how many `[[name]]` headers so far
        // `[models.x]` after `[[models]]` belongs to the last element.
        func resolve(_ name: String) -> String {
            let first = String(name.prefix { $0 != "." })
            guard first != name, let count = arrays[first] else { return name }
            return "\(first)[\(count - 1)]" + name.dropFirst(first.count)
        }
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.drop { $0 == " " || $0 == "\t" }
            if line.hasPrefix("[[") {
                guard let close = line.range(of: "]]") else { continue }
                let name = Self.normalise(line[line.index(line.startIndex, offsetBy: 2)..<close.lowerBound])
                let parent = resolve(name)
                let count = arrays[parent, default: 0]
                arrays[parent] = count + 1
                table = "\(parent)[\(count)]"
                record(parent, index + 1)  // the array as a whole: its first header
                record(table, index + 1)
            } else if line.hasPrefix("[") {
                guard let close = line.firstIndex(of: "]") else { continue }
                table = resolve(Self.normalise(line[line.index(after: line.startIndex)..<close]))
                record(table, index + 1)
            } else if let eq = line.firstIndex(of: "="), !line.hasPrefix("#") {
                let key = Self.normalise(line[..<eq])
                guard !key.isEmpty, !key.contains(" ") else { continue }
                record(table.isEmpty ? key : "\(table).\(key)", index + 1)
            }
        }
    }

    private mutating func record(_ key: String, _ line: Int) {
        if lines[key] == nil { lines[key] = line }
    }

    /// `a . "b"` → `a.b`
    private static func normalise(_ s: Substring) -> String {
        s.split(separator: ".").map { $0.trimmingCharacters(in: quotesAndBlanks) }.joined(separator: ".")
    }

    /// The line of `key`, else of the nearest enclosing table that has one
    /// (for `models[1].x`: `models[1]`, then `models`, as in an inline array).
    func line(of key: String) -> Int? {
        var name = Substring(key)
        while true {
            if let line = lines[String(name)] { return line }
            if name.hasSuffix("]"), let open = name.lastIndex(of: "[") {
                name = name[..<open]
            } else if let dot = name.lastIndex(of: ".") {
                name = name[..<dot]
            } else {
                return nil
            }
        }
    }
}

private let quotesAndBlanks = CharacterSet(charactersIn: " \t\"'")
