#if canImport(Glibc)
import Glibc
#endif

/// Turns a `--strategy` argument into a file to load.
///
/// A real file at the given path always wins, so a user's own `.so` dropped
/// into `plugins/` or anywhere else loads as given. Otherwise a name such as
/// `plugins/sjf.so`, `sjf.so` or `sjf` names the built-in strategy `sjf`,
/// found as `libsjf.so` beside Ferry's executables (where `swift build` puts
/// it), so the README's commands work on a fresh clone.
public struct StrategyLocator: Sendable {
    /// Where the built-in plugins live (the executables' directory).
    public var builtinDirectory: String

    public init(builtinDirectory: String) {
        self.builtinDirectory = builtinDirectory
    }

    /// The directory of the running executable.
    public static func executableDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return "." }
        let path = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return String(path[..<slash])
    }

    /// The path to load for `spec`.
    public func resolve(_ spec: String) throws(PluginLoadError) -> String {
        if Self.isFile(spec) { return spec }
        var name = spec
        if let slash = name.lastIndex(of: "/") { name = String(name[name.index(after: slash)...]) }
        if name.hasSuffix(".so") { name.removeLast(3) }
        if name.hasPrefix("lib") { name.removeFirst(3) }
        let candidate = "\(builtinDirectory)/lib\(name).so"
        if !name.isEmpty, Self.isFile(candidate) { return candidate }
        throw .notFound(spec: spec, builtins: builtinNames(), directory: builtinDirectory)
    }

    /// Names of the strategy plugins present in the built-in directory.
    public func builtinNames() -> [String] {
        guard let dir = opendir(builtinDirectory) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            guard name.hasPrefix("lib"), name.hasSuffix(".so") else { continue }
            let path = "\(builtinDirectory)/\(name)"
            if PluginLoader.exportsEntry(path: path) {
                names.append(String(name.dropFirst(3).dropLast(3)))
            }
        }
        return names.sorted()
    }

    static func isFile(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }
}
