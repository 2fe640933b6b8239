/// Why a strategy plugin was refused. Each case prints as one line naming the
/// file and what was expected, so a wrong `--strategy` is fixed at a glance.
public enum PluginLoadError: Error, CustomStringConvertible, Equatable {
    case notFound(spec: String, builtins: [String], directory: String)
    case cannotOpen(path: String, reason: String)
    case notAPlugin(path: String)
    case badMagic(path: String, found: UInt32)
    case abiMismatch(path: String, found: UInt32, expected: UInt32)
    case tableTooSmall(path: String, found: UInt32, expected: UInt32)
    case createFailed(path: String, name: String, reason: String)

    public var description: String {
        switch self {
        case let .notFound(spec, builtins, directory):
            let known = builtins.isEmpty ? "none built — run `swift build` first" : builtins.joined(separator: ", ")
            return "strategy \(spec): no such file, and no built-in strategy of that name in \(directory) (built-in: \(known))"
        case let .cannotOpen(path, reason):
            return "strategy \(path): cannot load: \(reason)"
        case let .notAPlugin(path):
            return "strategy \(path): not a Ferry strategy plugin (no symbol ferry_strategy_entry)"
        case let .badMagic(path, found):
            return "strategy \(path): not a Ferry strategy plugin (table magic 0x\(String(found, radix: 16)), expected 0x46525259)"
        case let .abiMismatch(path, found, expected):
            return "strategy \(path): ABI version \(found) but this Ferry speaks ABI version \(expected); rebuild the plugin against ferry_strategy.h"
        case let .tableTooSmall(path, found, expected):
            return "strategy \(path): function table is \(found) bytes, but ABI \(PluginLoader.abiMajor).0 needs at least \(expected); rebuild the plugin against ferry_strategy.h"
        case let .createFailed(path, name, reason):
            return "strategy \(name) (\(path)): rejected its configuration: \(reason)"
        }
    }
}
