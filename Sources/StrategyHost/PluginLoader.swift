import StrategyABI
#if canImport(Glibc)
import Glibc
#endif

/// Loads strategy plugins. The checks follow the classic loadable-module
/// designs (PostgreSQL's PG_MODULE_MAGIC, nginx's module signature): one
/// exported entry symbol, then magic, ABI major version and table size, each
/// refused with a precise one-line error before any plugin code beyond the
/// entry function runs.
public enum PluginLoader {
    /// The ABI version this host speaks.
    public static let abiMajor = UInt32(FERRY_STRATEGY_ABI_MAJOR)
    public static let abiMinor = UInt32(FERRY_STRATEGY_ABI_MINOR)

    /// FERRY_STRATEGY_SIZE_1_0: the table up to `completed`, the least any 1.x host accepts.
    static let sizeOfVersion1_0 = UInt32(MemoryLayout<ferry_strategy>.offset(of: \ferry_strategy.attach_host)!)

    /// Whether a table of `size` bytes holds `field` (a function pointer).
    static func covers(_ size: UInt32, _ field: PartialKeyPath<ferry_strategy>) -> Bool {
        guard let offset = MemoryLayout<ferry_strategy>.offset(of: field) else { return false }
        return Int(size) >= offset + MemoryLayout<UnsafeRawPointer>.size
    }

    /// Opens `path` and returns its validated function table.
    /// The library is never unloaded (RTLD_NODELETE): unloading Swift code
    /// crashes its runtime, and a strategy lives as long as the process.
    public static func open(path: String) throws(PluginLoadError) -> UnsafePointer<ferry_strategy> {
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE) else {
            throw .cannotOpen(path: path, reason: dlerror().map { String(cString: $0) } ?? "unknown dlopen error")
        }
        guard let symbol = dlsym(handle, FERRY_STRATEGY_ENTRY_SYMBOL) else {
            throw .notAPlugin(path: path)
        }
        let entry = unsafeBitCast(symbol, to: ferry_strategy_entry_fn.self)
        guard let table = entry() else { throw .notAPlugin(path: path) }
        // Read the fixed prefix first: a foreign table may be shorter than ours.
        let header = UnsafeRawPointer(table)
        let magic = header.load(as: UInt32.self)
        guard magic == FERRY_STRATEGY_MAGIC else { throw .badMagic(path: path, found: magic) }
        let major = header.load(fromByteOffset: 4, as: UInt32.self)
        guard major == abiMajor else { throw .abiMismatch(path: path, found: major, expected: abiMajor) }
        let size = header.load(fromByteOffset: 12, as: UInt32.self)
        // Any 1.x table: a field appended later is read only when `size` covers it.
        guard size >= sizeOfVersion1_0 else { throw .tableTooSmall(path: path, found: size, expected: sizeOfVersion1_0) }
        return table
    }

    /// Loads `path` and creates a strategy instance configured by `config`.
    public static func load(path: String, config: String = "") throws(PluginLoadError) -> PluginStrategy {
        let table = try open(path: path)
        return try PluginStrategy(table: table, path: path, config: config)
    }

    /// Whether `path` exports the entry symbol. RTLD_NODELETE here too: a
    /// Swift library once loaded must never be unmapped.
    static func exportsEntry(path: String) -> Bool {
        guard let handle = dlopen(path, RTLD_LAZY | RTLD_LOCAL | RTLD_NODELETE) else { return false }
        defer { dlclose(handle) }
        return dlsym(handle, FERRY_STRATEGY_ENTRY_SYMBOL) != nil
    }
}
