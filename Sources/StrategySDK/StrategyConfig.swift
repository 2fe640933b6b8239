/// A strategy's configuration: `key=value` pairs separated by commas (or
/// whitespace), e.g. `"aging_ms=500, window=64"`. Read each key with a
/// default in `init(config:)`; the SDK then calls `finish()` itself, so a key
/// the strategy did not read is refused by name (a class, so the reads are
/// seen where `finish()` runs).
public final class StrategyConfig {
    /// What went wrong, phrased for the person who wrote the config.
    public struct Problem: Error, CustomStringConvertible {
        public let description: String
    }

    private var values: [String: String] = [:]
    private var read: Set<String> = []
    /// The text as given.
    public let text: String

    public init(_ text: String) throws {
        self.text = text
        for part in text.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\n" || $0 == "\t" }) {
            guard let eq = part.firstIndex(of: "=") else {
                throw Problem(description: "config entry '\(part)' is not key=value")
            }
            let key = String(part[..<eq]).trimmingSpaces
            let value = String(part[part.index(after: eq)...]).trimmingSpaces
            guard !key.isEmpty else { throw Problem(description: "config entry '\(part)' has no key") }
            guard values[key] == nil else { throw Problem(description: "config key '\(key)' given twice") }
            values[key] = value
        }
    }

    /// The raw value for `key`, if given.
    public func string(_ key: String) -> String? {
        read.insert(key)
        return values[key]
    }

    /// A number, or `fallback` when absent; refuses non-numbers and values out of `range`.
    public func double(_ key: String, default fallback: Double, in range: ClosedRange<Double> = -.infinity...(.infinity)) throws -> Double {
        guard let raw = string(key) else { return fallback }
        guard let v = Double(raw), v.isFinite else {
            throw Problem(description: "config key '\(key)': expected a number, got '\(raw)'")
        }
        guard range.contains(v) else {
            throw Problem(description: "config key '\(key)': \(raw) is outside \(range.lowerBound)...\(range.upperBound)")
        }
        return v
    }

    /// A whole number, or `fallback` when absent; refuses other text and values out of `range`.
    public func int(_ key: String, default fallback: Int, in range: ClosedRange<Int> = Int.min...Int.max) throws -> Int {
        guard let raw = string(key) else { return fallback }
        guard let v = Int(raw) else {
            throw Problem(description: "config key '\(key)': expected a whole number, got '\(raw)'")
        }
        guard range.contains(v) else {
            throw Problem(description: "config key '\(key)': \(v) is outside \(range.lowerBound)...\(range.upperBound)")
        }
        return v
    }

    /// Throws if any key was given that the strategy did not read.
    public func finish() throws {
        let unknown = Set(values.keys).subtracting(read).sorted()
        guard unknown.isEmpty else {
            let known = read.sorted().joined(separator: ", ")
            throw Problem(description: "unknown config key\(unknown.count > 1 ? "s" : "") \(unknown.map { "'\($0)'" }.joined(separator: ", ")) (known: \(known.isEmpty ? "none" : known))")
        }
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}

extension StrategyConfig {
    /// A list of `name:number` pairs separated by `;` (e.g. `A:2;B:1`);
    /// empty when absent. Refuses malformed pairs and numbers outside `range`.
    public func namedNumbers(_ key: String, in range: ClosedRange<Double> = 0...(.infinity)) throws -> [String: Double] {
        guard let raw = string(key), !raw.isEmpty else { return [:] }
        var out: [String: Double] = [:]
        for pair in raw.split(separator: ";") {
            let parts = pair.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, let v = Double(parts[1]), v.isFinite else {
                throw Problem(description: "config key '\(key)': '\(pair)' is not name:number")
            }
            guard range.contains(v) else {
                throw Problem(description: "config key '\(key)': \(parts[0]) has \(v), outside \(range.lowerBound)...\(range.upperBound)")
            }
            out[parts[0]] = v
        }
        return out
    }

    /// A list of names separated by `;`; empty when absent.
    public func names(_ key: String) -> [String] {
        guard let raw = string(key) else { return [] }
        return raw.split(separator: ";").map(String.init).filter { !$0.isEmpty }
    }
}
