#if canImport(Glibc)
import Glibc
#endif

/// The supervisor's private directory for the sockets: created mode 0700 so
/// no other user can reach Ferry's internal sockets, removed on exit.
public final class RuntimeDirectory {
    public let path: String

    /// Creates `ferry-XXXXXX` under `base` (default `$XDG_RUNTIME_DIR`, else `/tmp`).
    public init(base: String? = nil) throws {
        let parent = base ?? getenv("XDG_RUNTIME_DIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array("\(parent)/ferry-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw SupervisorError.runtimeDirectory(parent: parent, reason: String(cString: strerror(errno)))
        }
        path = String(cString: made)
        chmod(path, 0o700)
    }

    /// The path of `name` inside the directory.
    public func socket(_ name: String) -> String { "\(path)/\(name).sock" }

    /// Removes the directory and whatever the children left in it.
    public func remove() {
        if let dir = opendir(path) {
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
                if name != "." && name != ".." { unlink("\(path)/\(name)") }
            }
            closedir(dir)
        }
        rmdir(path)
    }
}
