import FerryLog
import TOMLKit

/// One row of the settings table: a TOML key, its flag, and how to read,
/// check and print its value. Rows are built by the typed constructors
/// below, so a setting's type is stated once.
/// `@unchecked Sendable`: every field is a `let`; the closures capture only
/// key paths and constants, and read or write only the `Settings` passed in.
struct SettingKey: @unchecked Sendable {
    /// "backend.batch_limit"
    let name: String
    /// "--batch-limit"
    let flag: String
    let path: PartialKeyPath<Settings>
    /// Stores the file's value; returns what is wrong with its type, if anything.
    let read: (TOMLValueConvertible, inout Settings) -> String?
    /// What is wrong with the current value, if anything.
    let check: (Settings) -> String?
    /// The value as a TOML literal; nil when unset (a setting without default).
    let render: (Settings) -> String?

    var section: String { String(name.prefix { $0 != "." }) }

    private static func make<Value>(_ name: String, _ flag: String, _ path: WritableKeyPath<Settings, Value>, expected: String,
                                    decode: @escaping (TOMLValueConvertible) -> Value?, check: @escaping (Value) -> String?,
                                    render: @escaping (Value) -> String?) -> SettingKey {
        SettingKey(name: name, flag: flag, path: path, read: { value, settings in
            guard let decoded = decode(value) else { return "must be \(expected), got \(Self.describe(value))" }
            settings[keyPath: path] = decoded
            return nil
        }, check: { check($0[keyPath: path]) }, render: { render($0[keyPath: path]) })
    }

    static func int(_ name: String, _ flag: String, _ path: WritableKeyPath<Settings, Int>, _ range: ClosedRange<Int>) -> SettingKey {
        make(name, flag, path, expected: "a whole number", decode: { $0.type == .int ? $0.int : nil },
             check: { within(range, $0) }, render: { "\($0)" })
    }

    static func int(_ name: String, _ flag: String, _ path: WritableKeyPath<Settings, Int?>, _ range: ClosedRange<Int>) -> SettingKey {
        make(name, flag, path, expected: "a whole number", decode: { $0.type == .int ? $0.int.map { .some($0) } : nil },
             check: { $0.flatMap { within(range, $0) } }, render: { $0.map { "\($0)" } })
    }

    static func number(_ name: String, _ flag: String, _ path: WritableKeyPath<Settings, Double>, _ range: ClosedRange<Double>) -> SettingKey {
        make(name, flag, path, expected: "a number", decode: number(of:),
             check: { $0.isFinite ? within(range, $0) : "must be a finite number, got \($0)" }, render: { "\($0)" })
    }

    static func text(_ name: String, _ flag: String, _ path: WritableKeyPath<Settings, String>,
                     check: @escaping (String) -> String? = { _ in nil }) -> SettingKey {
        make(name, flag, path, expected: "a string", decode: { $0.type == .string ? $0.string : nil }, check: check,
             render: { jsonQuoted($0) })
    }

    static func choice(_ name: String, _ flag: String, _ path: WritableKeyPath<Settings, String>, _ allowed: [String]) -> SettingKey {
        text(name, flag, path) { allowed.contains($0) ? nil : "must be one of \(allowed.map(jsonQuoted).joined(separator: ", ")), got \(jsonQuoted($0))" }
    }

    static func text(_ name: String, _ flag: String, _ path: WritableKeyPath<Settings, String?>,
                     check: @escaping (String) -> String? = { _ in nil }) -> SettingKey {
        make(name, flag, path, expected: "a string", decode: { $0.type == .string ? $0.string.map { .some($0) } : nil },
             check: { $0.flatMap(check) }, render: { $0.map(jsonQuoted) })
    }

    static func texts(_ name: String, _ flag: String, _ path: WritableKeyPath<Settings, [String]>,
                      check: @escaping (String) -> String?) -> SettingKey {
        make(name, flag, path, expected: "an array of strings", decode: { value in
            guard let array = value.array else { return nil }
            let strings = array.compactMap { $0.type == .string ? $0.string : nil }
            return strings.count == array.count ? strings : nil
        }, check: { $0.lazy.compactMap(check).first }, render: { "[" + $0.map(jsonQuoted).joined(separator: ", ") + "]" })
    }

    /// The strategy's options: a `key=value,…` string, or a table whose
    /// values are scalars, arrays (joined with `;`) or tables (`k:v;…`), as
    /// the strategies' own option syntax has it.
    static func strategyOptions(_ name: String, _ flag: String, _ path: WritableKeyPath<Settings, String>) -> SettingKey {
        make(name, flag, path, expected: "a \"key=value,…\" string or a table", decode: { value in
            if value.type == .string { return value.string }
            guard let table = value.table else { return nil }
            var parts: [String] = []
            for key in table.keys.sorted() {
                guard let text = optionText(table[key]!) else { return nil }
                parts.append("\(key)=\(text)")
            }
            return parts.joined(separator: ",")
        }, check: { _ in nil }, render: { jsonQuoted($0) })
    }

    private static func optionText(_ value: TOMLValueConvertible) -> String? {
        let text: String?
        if let array = value.array {
            let items = array.map(scalarText)
            text = items.contains(nil) ? nil : items.map { $0! }.joined(separator: ";")
        } else if let table = value.table {
            let items = table.keys.sorted().map { key in scalarText(table[key]!).map { "\(key):\($0)" } }
            text = items.contains(nil) ? nil : items.map { $0! }.joined(separator: ";")
        } else {
            text = scalarText(value)
        }
        // The option syntax splits on commas and spaces: a value holding one would be misread.
        guard let text, !text.contains(where: { $0 == "," || $0 == " " || $0 == "=" }) else { return nil }
        return text
    }

    private static func scalarText(_ value: TOMLValueConvertible) -> String? {
        switch value.type {
        case .string: value.string
        case .int: value.int.map { "\($0)" }
        case .double: value.double.map { "\($0)" }
        case .bool: value.bool.map { "\($0)" }
        default: nil
        }
    }

    private static func number(of value: TOMLValueConvertible) -> Double? {
        switch value.type {
        case .double: value.double
        case .int: value.int.map(Double.init)
        default: nil
        }
    }

    private static func within(_ range: ClosedRange<Int>, _ value: Int) -> String? {
        range.contains(value) ? nil : outside(range.lowerBound, range.upperBound == .max ? nil : range.upperBound, value)
    }

    private static func within(_ range: ClosedRange<Double>, _ value: Double) -> String? {
        range.contains(value) ? nil : outside(range.lowerBound, range.upperBound == .infinity ? nil : range.upperBound, value)
    }

    private static func outside<T>(_ lower: T, _ upper: T?, _ value: T) -> String {
        guard let upper else { return "must be at least \(lower), got \(value)" }
        return "must be between \(lower) and \(upper), got \(value)"
    }

    /// How a TOML value is named in an error: its type, and the value when short.
    static func describe(_ value: TOMLValueConvertible) -> String {
        switch value.type {
        case .string: return "a string (\(jsonQuoted(String((value.string ?? "").prefix(40)))))"
        case .table: return "a table"
        case .array: return "an array"
        default: return "\(value.type) \("\(value)".prefix(40))"
        }
    }
}
