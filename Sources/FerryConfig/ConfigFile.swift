import FerryLog
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

    /// Applies TOML `text`; `file` names it in errors and origins. The
    /// sections are applied first; then each `[[models]]` table, over a copy
    /// of the result, replaces `models`.
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
        for section in root.keys where section != "models" {
            guard let table = root[section]!.table, Self.sections.contains(section) else {
                throw ConfigError(origin: at(section), key: section,
                                  problem: "is not a known section; sections are \(Self.sections.map { "[\($0)]" }.joined(separator: ", ")) and [[models]]")
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
            // Models loaded before (from an earlier file) inherit it too, unless they set it.
            for index in models.indices where !models[index].overridden.contains(name) {
                _ = key.read(value, &models[index].settings)
                models[index].settings.origins[name] = at(name)
            }
        }

        // Each model starts from the top level as the sections left it.
        guard let value = root["models"] else { return }
        guard let array = value.array, array.allSatisfy({ $0.table != nil }) else {
            let got = value.array?.first { $0.table == nil }.map { "an array holding \(SettingKey.describe($0))" } ?? SettingKey.describe(value)
            throw ConfigError(origin: at("models"), key: "models", problem: "must be an array of tables ([[models]] headers), got \(got)")
        }
        var base = self
        base.models = []
        var loaded: [ModelSettings] = []
        for (index, element) in array.enumerated() {
            let model = try Self.model(element.table!, index: index, inheriting: base, lines: lines, file: file)
            if let first = loaded.firstIndex(where: { $0.name == model.name }) {
                let key = "models[\(index)].name"
                throw ConfigError(origin: at(key), key: key,
                                  problem: "is \(jsonQuoted(model.name)), as is models[\(first)]'s (\(at("models[\(first)].name"))); names must be unique")
            }
            loaded.append(model)
        }
        models = loaded
    }

    /// One `[[models]]` table, the `index`-th: its own keys, and its
    /// settings keys applied over `base`.
    private static func model(_ table: TOMLTable, index: Int, inheriting base: Settings, lines: KeyLines, file: String) throws(ConfigError) -> ModelSettings {
        let prefix = "models[\(index)]"
        func at(_ key: String) -> String { lines.line(of: key).map { "\(file):\($0)" } ?? file }
        func failure(_ key: String, _ problem: String) -> ConfigError {
            ConfigError(origin: at("\(prefix).\(key)"), key: "\(prefix).\(key)", problem: problem)
        }
        var model = ModelSettings(name: "", settings: base, origin: at(prefix))
        var named = false
        let keys = table.keys.sorted { (lines.line(of: "\(prefix).\($0)") ?? 0, $0) < (lines.line(of: "\(prefix).\($1)") ?? 0, $1) }
        for key in keys {
            let value = table[key]!
            if key.hasSuffix("_shape") && ModelSettings.ownKeys.contains(key) {
                guard let array = value.array, let shape = Optional(array.compactMap { $0.type == .int ? $0.int : nil }),
                      shape.count == array.count else {
                    throw failure(key, "must be an array of whole numbers (one row's shape, e.g. [384]), got \(SettingKey.describe(value))")
                }
                if let problem = ModelSettings.shapeProblem(shape) { throw failure(key, problem) }
                if key == "input_shape" { model.inputShape = shape } else { model.outputShape = shape }
            } else if ModelSettings.ownKeys.contains(key) {
                guard value.type == .string, let text = value.string else {
                    throw failure(key, "must be a string, got \(SettingKey.describe(value))")
                }
                let problem = key.hasSuffix("_datatype") ? ModelSettings.datatypeProblem(text) : ModelSettings.ownProblem(key, text)
                if let problem { throw failure(key, problem) }
                switch key {
                case "name": model.name = text; named = true
                case "version": model.version = text
                case "input": model.input = text
                case "output": model.output = text
                case "input_datatype": model.inputDatatype = text
                default: model.outputDatatype = text
                }
            } else if let setting = ModelSettings.setting(for: key) {
                if let problem = setting.read(value, &model.settings) { throw failure(key, problem) }
                model.settings.origins[setting.name] = at("\(prefix).\(key)")
                model.overridden.append(setting.name)
            } else {
                let known = ModelSettings.ownKeys + ModelSettings.keys.map(\.name)
                throw failure(key, "is not a known key; [[models]] takes \(known.joined(separator: ", "))")
            }
        }
        guard named else { throw ConfigError(origin: at(prefix), key: prefix, problem: "needs a name") }
        return model
    }
}
