import Foundation
import TOMLKit

extension Settings {
    /// Applies a TOML config file over the current values (the defaults, as
    /// flags are applied after it). Every key must be known and well typed;
    /// the error names the file, the line and the key.
    public mutating func load(file path: String) throws(ConfigError) {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ConfigError(origin: path, key: "", problem: "cannot read the config file: \(error.localizedDescription)")
        }
        try load(toml: text, file: path)
    }

    /// Applies TOML `text`; `file` names it in errors and origins.
    public mutating func load(toml text: String, file: String) throws(ConfigError) {
        let root: TOMLTable
        do { root = try TOMLTable(string: text) } catch let error as TOMLParseError {
            throw ConfigError(origin: "\(file):\(error.source.begin.line)", key: "", problem: "not valid TOML: \(error.description)")
        } catch {
            throw ConfigError(origin: file, key: "", problem: "not valid TOML: \(error)")
        }
        let lines = KeyLines(text)
        func at(_ key: String) -> String { lines.line(of: key).map { "\(file):\($0)" } ?? file }

        // In file order, so the first error reported is the first in the file.
        var entries: [(name: String, value: TOMLValueConvertible)] = []
        for section in root.keys {
            guard let table = root[section]!.table, Self.sections.contains(section) else {
                throw ConfigError(origin: at(section), key: section,
                                  problem: "is not a known section; sections are \(Self.sections.map { "[\($0)]" }.joined(separator: ", "))")
            }
            for key in table.keys { entries.append(("\(section).\(key)", table[key]!)) }
        }
        entries.sort { (lines.line(of: $0.name) ?? 0, $0.name) < (lines.line(of: $1.name) ?? 0, $1.name) }

        for (name, value) in entries {
            guard let key = Self.key(named: name) else {
                let section = String(name.prefix { $0 != "." })
                let known = Self.keys.filter { $0.section == section }.map { String($0.name.dropFirst(section.count + 1)) }
                throw ConfigError(origin: at(name), key: name, problem: "is not a known key; [\(section)] takes \(known.joined(separator: ", "))")
            }
            if let problem = key.read(value, &self) { throw ConfigError(origin: at(name), key: name, problem: problem) }
            origins[name] = at(name)
        }
    }
}
