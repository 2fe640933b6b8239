import Foundation

/// What a supervisor says about itself in `<runtime-dir>/ferry-XXXXXX/supervisor.json`,
/// which it rewrites atomically on every change. The one source of child
/// pids for the chaos soak and the tests: log lines lag and can be
/// interleaved, while this file is the supervisor's own current view.
public struct SupervisorState: Decodable, Sendable, Equatable {
    public struct Child: Decodable, Sendable, Equatable {
        public let name: String
        /// Nil while the child is down (between its death and its restart).
        public let pid: Int32?
        public let ready: Bool?
        public let restarts: Int?
    }

    public let pid: Int32
    /// "starting", "running" or "stopping".
    public let phase: String
    public let children: [Child]

    /// The current pid of the child named `name`, if it is up.
    public func pid(of name: String) -> Int32? {
        children.first { $0.name == name }?.pid ?? nil
    }

    /// Every child pid the state names.
    public var childPids: [Int32] { children.compactMap(\.pid) }

    /// The state written by the supervisor with pid `supervisor`, under the
    /// runtime parent `runtimeParent` (the `--runtime-dir` folder). A
    /// SIGKILLed supervisor leaves its `ferry-*` folder behind until the next
    /// one cleans it, so several may exist: the pid picks the right one.
    public static func read(runtimeParent: String, supervisor: Int32) -> SupervisorState? {
        located(runtimeParent: runtimeParent, supervisor: supervisor)?.state
    }

    /// The runtime directory of the supervisor with pid `supervisor` (where
    /// its sockets, settings and learned calls are), found the same way.
    public static func directory(runtimeParent: String, supervisor: Int32) -> String? {
        located(runtimeParent: runtimeParent, supervisor: supervisor)?.directory
    }

    private static func located(runtimeParent: String, supervisor: Int32) -> (state: SupervisorState, directory: String)? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: runtimeParent)) ?? []
        for name in names where name.hasPrefix("ferry-") {
            let directory = "\(runtimeParent)/\(name)"
            guard let data = FileManager.default.contents(atPath: "\(directory)/supervisor.json"),
                  let state = try? JSONDecoder().decode(SupervisorState.self, from: data),
                  state.pid == supervisor else { continue }
            return (state, directory)
        }
        return nil
    }
}
