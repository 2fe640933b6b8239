import CLibUV
#if canImport(Glibc)
import Glibc
#endif

/// A spawned child process (`uv_process_t`) with its stdout and stderr
/// captured through pipes: spawn, kill, and close after it exited.
public final class UVProcess: UVHandle<uv_process_t> {
    /// What to start.
    public struct Options {
        public var executable: String
        public var arguments: [String]
        /// Full environment; nil inherits the parent's.
        public var environment: [String]?
        /// Start the child in its own session, so a terminal's Ctrl-C reaches
        /// only the parent, which then owns the orderly shutdown.
        public var detached: Bool

        public init(executable: String, arguments: [String], environment: [String]? = nil, detached: Bool = true) {
            self.executable = executable
            self.arguments = arguments
            self.environment = environment
            self.detached = detached
        }
    }

    /// The child's standard output and error; start reading them after spawn.
    public let stdout: UVPipe
    public let stderr: UVPipe
    public private(set) var pid: Int32 = 0
    private var onExit: ((_ exitStatus: Int64, _ signal: Int32) -> Void)?

    /// Starts the child. `onExit` runs on the loop when it has exited, with
    /// its exit status and the signal that ended it (0 if none).
    public init(loop: UVLoop, options: Options, onExit: @escaping (_ exitStatus: Int64, _ signal: Int32) -> Void) throws {
        stdout = try UVPipe(loop: loop)
        stderr = try UVPipe(loop: loop)
        self.onExit = onExit
        super.init()

        let argv = ([options.executable] + options.arguments).map { strdup($0) }
        let envp = options.environment?.map { strdup($0) }
        defer {
            argv.forEach { free($0) }
            envp?.forEach { free($0) }
        }
        var cArgs: [UnsafeMutablePointer<CChar>?] = argv + [nil]
        var cEnv: [UnsafeMutablePointer<CChar>?]? = envp.map { $0 + [nil] }

        var stdio = [uv_stdio_container_t](repeating: uv_stdio_container_t(), count: 3)
        stdio[0].flags = UV_IGNORE
        stdio[1].flags = uv_stdio_flags(UV_CREATE_PIPE.rawValue | UV_WRITABLE_PIPE.rawValue)
        stdio[1].data.stream = stdout.stream
        stdio[2].flags = uv_stdio_flags(UV_CREATE_PIPE.rawValue | UV_WRITABLE_PIPE.rawValue)
        stdio[2].data.stream = stderr.stream

        var opts = uv_process_options_t()
        let rc: Int32 = options.executable.withCString { file in
            cArgs.withUnsafeMutableBufferPointer { args in
                stdio.withUnsafeMutableBufferPointer { io in
                    opts.file = file
                    opts.args = args.baseAddress
                    opts.stdio = io.baseAddress
                    opts.stdio_count = 3
                    opts.flags = options.detached ? UV_PROCESS_DETACHED.rawValue : 0
                    opts.exit_cb = { h, status, signal in
                        UVProcess.owner(of: UnsafeMutableRawPointer(h)).exited(status: status, signal: signal)
                    }
                    if cEnv != nil {
                        return cEnv!.withUnsafeMutableBufferPointer { env in
                            opts.env = env.baseAddress
                            return uv_spawn(loop.raw, raw, &opts)
                        }
                    }
                    return uv_spawn(loop.raw, raw, &opts)
                }
            }
        }
        if rc < 0 {
            stdout.close()
            stderr.close()
            // uv_spawn initialised the handle even on failure; it must be closed.
            adopt()
            close()
            throw UVError(code: rc, context: "spawn \(options.executable)")
        }
        adopt()
        pid = raw.pointee.pid
    }

    private func exited(status: Int64, signal: Int32) {
        let done = onExit
        onExit = nil
        done?(status, signal)
    }

    /// Sends `signal` to the child; errors (it already exited) are ignored.
    public func kill(signal: Int32) {
        guard !isClosing else { return }
        uv_process_kill(raw, signal)
    }

    /// Sends `signal` to every process in the child's process group: the
    /// child itself and whatever it started without a new group (the Swift
    /// runtime's crash backtracer, for one, which outlives a child killed
    /// mid-trace and keeps its output pipes open). Only meaningful for a
    /// `detached` child, which leads its own group. Returns whether any
    /// process received it; still valid after the child was reaped, as
    /// Linux does not reuse a pid while a group of that id has members.
    @discardableResult
    public func killGroup(signal: Int32) -> Bool {
        guard pid > 0 else { return false }
        return Glibc.kill(-pid, signal) == 0
    }

    override public func willClose() {
        onExit = nil
    }
}
