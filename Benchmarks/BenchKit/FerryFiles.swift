import Foundation

/// Where one started Ferry keeps its files: a private folder holding the
/// runtime parent (`--runtime-dir`), the worker's call log and the combined
/// log. A soak that restarts Ferry reuses one `FerryFiles`, so restarts
/// share one log and one call log.
public struct FerryFiles: Sendable {
    public let directory: URL

    /// Creates `directory` with its `run` folder and an empty log.
    public init(directory: URL) throws {
        self.directory = directory
        try FileManager.default.createDirectory(at: runtimeParent, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: log.path, contents: nil) else {
            throw BenchError.live("cannot create Ferry's log file \(log.path)")
        }
    }

    /// A fresh folder under the temporary directory, named `prefix` + a UUID.
    public static func temporary(prefix: String) throws -> FerryFiles {
        try FerryFiles(directory: FileManager.default.temporaryDirectory.appendingPathComponent(prefix + UUID().uuidString))
    }

    /// Where the supervisor creates its 0700 runtime directory.
    public var runtimeParent: URL { directory.appendingPathComponent("run") }
    public var callLog: URL { directory.appendingPathComponent("calls.jsonl") }
    /// The supervisor's (and its children's) combined output.
    public var log: URL { directory.appendingPathComponent("supervisor.log") }

    /// The log, opened for appending. O_APPEND, not a shared offset: every
    /// writer (each restarted supervisor, its children, a model server)
    /// adds at the end, so no one overwrites another's lines.
    public func appendingLog() throws -> FileHandle {
        let fd = open(log.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw BenchError.live("cannot open \(log.path): \(String(cString: strerror(errno)))") }
        return FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    }

    /// The log's text so far.
    public var logText: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    /// Every backend call the worker recorded so far, oldest first.
    public func calls() throws -> [BackendCall] {
        FileManager.default.fileExists(atPath: callLog.path) ? try BackendCall.read(log: callLog.path) : []
    }

    public func remove() { try? FileManager.default.removeItem(at: directory) }
}
