import Foundation

/// Where each key of a TOML text stands, for error messages: TOMLKit parses
/// the file but does not say on which line a value was. This index reads
/// only table headers (`[backend]`) and `key =` at the start of a line;
/// keys it cannot place (inside inline tables or multi-line arrays) fall
/// back to their table's line.
struct KeyLines {
    private var lines: [String: Int] = [:]

    init(_ text: String) {
        var table = ""
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.drop { $0 == " " || $0 == "\t" }
            if line.hasPrefix("[") && !line.hasPrefix("[[") {
                guard let close = line.firstIndex(of: "]") else { continue }
                table = Self.normalise(line[line.index(after: line.startIndex)..<close])
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

    /// The line of `key`, else of the nearest enclosing table that has one.
    func line(of key: String) -> Int? {
        var name = Substring(key)
        while true {
            if let line = lines[String(name)] { return line }
            guard let dot = name.lastIndex(of: ".") else { return nil }
            name = name[..<dot]
        }
    }
}

private let quotesAndBlanks = CharacterSet(charactersIn: " \t\"'")
