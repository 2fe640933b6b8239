#if canImport(Glibc)
import Glibc
#endif

/// The supervisor's private directory for the sockets: created mode 0700 so
/// no other user can reach Ferry's internal sockets, removed on exit.
public final class RuntimeDirectory {
    public let path: String

    /// Creates `ferry-XXXXXX` under `base` (default `$XDG_RUNTIME_DIR`, else
    /// `/tmp`), after removing the directories there of supervisors that died
    /// without cleaning up (killed with SIGKILL): their sockets lead nowhere.
    public init(base: String? = nil) throws {
        let parent = base ?? getenv("XDG_RUNTIME_DIR").map { String(cString: $0) } ?? "/tmp"
        Self.removeStale(in: parent)
        var template = Array("\(parent)/ferry-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw SupervisorError.runtimeDirectory(parent: parent, reason: String(cString: strerror(errno)))
        }
        path = String(cString: made)
        chmod(path, 0o700)
    }

    /// Removes every `ferry-*` directory of ours under `parent` whose state
    /// file names a supervisor that is no longer alive. A directory without a
    /// state file may be a supervisor still starting: it is left alone.
    static func removeStale(in parent: String) {
        for name in entries(of: parent) where name.hasPrefix("ferry-") {
            let path = "\(parent)/\(name)"
            var info = stat()
            guard stat(path, &info) == 0, info.st_uid == getuid(), let pid = SupervisorState.recordedPid(in: path) else { continue }
            if pid != getpid() && !isLive(pid) { removeTree(path) }
        }
    }

    /// Whether `pid` is a running process. A killed process whose parent has
    /// not reaped it yet (a zombie: its new parent may be a slow init) still
    /// answers `kill(pid, 0)`, but it holds no socket and runs nothing.
    static func isLive(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 || errno == EPERM else { return false }
        // "pid (comm) S ...": the state follows the last ')'.
        guard let line = firstLine(of: "/proc/\(pid)/stat", upTo: 512), let close = line.lastIndex(of: ")") else { return true }
        let state = line[line.index(after: close)...].first { $0 != " " }
        return state != "Z" && state != "X"
    }

    /// The path of `name` inside the directory.
    public func socket(_ name: String) -> String { "\(path)/\(name).sock" }

    /// Removes the directory and whatever the children left in it.
    public func remove() { Self.removeTree(path) }

    private static func removeTree(_ path: String) {
        for name in entries(of: path) { unlink("\(path)/\(name)") }
        rmdir(path)
    }

    /// The names in `directory`, without `.` and `..`.
    private static func entries(of directory: String) -> [String] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
