import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A command of this machine (`podman`, a script under `.ci/`, `python3`),
/// run in the repository's root to its end with a bound on time; its output
/// kept.
///
/// Spawned with `posix_spawn` and reaped with `waitpid`, not with
/// Foundation's `Process`: that one learns of a child's end from a pipe the
/// child inherits, and a command that leaves a daemon behind holding it
/// (`podman run --detach` leaves `conmon`) would look alive forever.
public enum HostCommand {
    public struct Outcome: Sendable {
        /// The exit status, or 128 + the signal that ended it.
        public let status: Int32
        public let output: String
    }

    public struct SpawnFailure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Runs `executable arguments…` (found on PATH) with `environment` added;
    /// kills it after `seconds`.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                           within seconds: Double = 300) async throws -> Outcome {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-cmd-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let pid = try spawn(executable, arguments, environment: environment, output: out)
        let deadline = ContinuousClock.now + .seconds(seconds)
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            if ContinuousClock.now >= deadline {
                kill(pid, SIGKILL)
                waitpid(pid, &status, 0)
                break
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        let signal = status & 0x7f
        let code = signal == 0 ? (status >> 8) & 0xff : 128 + signal
        return Outcome(status: code, output: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "")
    }

    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    /// `posix_spawn_file_actions_addclosefrom_np`, where the C library has it.
    private static let addCloseFrom: CloseFrom? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
        .map { unsafeBitCast($0, to: CloseFrom.self) }

    private static func spawn(_ executable: String, _ arguments: [String], environment: [String: String], output: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Nothing else of the test process's: a daemon a command leaves behind
        // (`conmon`) held the pipe by which Foundation's `Process` learns that a
        // Ferry supervisor another test started has exited, and that test
        // waited for its exit in vain. glibc ≥ 2.34 has the action; Swift's
        // Glibc module does not show it, hence the lookup.
        if let closeFrom = Self.addCloseFrom { _ = closeFrom(&actions, 3) }
        // The test runner may block signals; a command must get its SIGTERM and SIGCHLD.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        let env = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0.key)=\($0.value)" }
        // sh sets the working directory (glibc's addchdir is not in Swift's view of it).
        let command = ["/bin/sh", "-c", #"cd "$1" && shift && exec "$@""#, "sh", Repository.root.path, executable] + arguments
        let argv = command.map { strdup($0) } + [nil]
        let envp = env.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, envp)
        guard result == 0 else { throw SpawnFailure(description: "cannot run \(executable): \(String(cString: strerror(result)))") }
        return pid
    }
}
