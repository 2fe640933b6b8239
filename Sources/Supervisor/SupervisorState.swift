#if canImport(Glibc)
import Glibc
#endif

/// What the supervisor reports about itself and its children, as a JSON file
/// in the runtime directory (`supervisor.json`), rewritten atomically on every
/// change: tests, the chaos soak and operators find processes here, never by
/// reading logs.
///
/// ```json
/// {"pid": 41, "phase": "running", "children": [{"name": "worker", "pid": 42, "ready": true, "restarts": 0}, …]}
/// ```
struct SupervisorState {
    struct Child {
        var name: String
        var pid: Int32?
        var ready: Bool
        var restarts: Int
    }

    var pid: Int32
    var phase: String
    var children: [Child]

    static let fileName = "supervisor.json"

    var json: String {
        let list = children.map { c in
            "{\"name\":\"\(c.name)\",\"pid\":\(c.pid.map(String.init) ?? "null"),\"ready\":\(c.ready),\"restarts\":\(c.restarts)}"
        }
        return "{\"pid\":\(pid),\"phase\":\"\(phase)\",\"children\":[\(list.joined(separator: ","))]}\n"
    }

    /// Writes to a temporary file and renames it over `path`: a reader sees
    /// the old state or the new one, never half of one.
    func write(to path: String) {
        let temporary = path + ".tmp"
        guard let file = fopen(temporary, "w") else { return }
        fputs(json, file)
        fclose(file)
        rename(temporary, path)
    }

    /// The supervisor pid recorded in `directory`'s state file, if any.
    static func recordedPid(in directory: String) -> Int32? {
        guard let head = firstLine(of: "\(directory)/\(fileName)", upTo: 64), let range = head.range(of: "\"pid\":") else { return nil }
        return Int32(head[range.upperBound...].prefix(while: \.isNumber))
    }
}

/// The first line of a file (at most `limit` bytes), or nil if it cannot be read.
func firstLine(of path: String, upTo limit: Int) -> String? {
    guard let file = fopen(path, "r") else { return nil }
    defer { fclose(file) }
    var buffer = [CChar](repeating: 0, count: limit)
    guard fgets(&buffer, Int32(limit), file) != nil else { return nil }
    return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
