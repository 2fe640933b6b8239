import FerryConfig
#if canImport(Glibc)
import Glibc
#endif

/// What the supervisor starts, and how it looks after it: the operator's
/// settings (flags over config file over defaults), plus what the supervisor
/// worked out from them and the knobs only tests turn.
/// `@unchecked Sendable`: every field is a value but `logFile`, a C `FILE`
/// that is only written through stdio calls, which lock the stream each call.
public struct SupervisorConfiguration: @unchecked Sendable {
    /// Every operator setting, already validated.
    public var settings: Settings
    /// The strategy plugin's file (already resolved and checked).
    public var strategyPath: String
    /// Where the child executables are (the supervisor's own directory).
    public var executableDirectory: String
    /// The open `--log-file`: every log line (the supervisor's and the children's) is also appended here.
    public var logFile: UnsafeMutablePointer<FILE>?
    /// Restarts, backoff and the scheduler's plugin-crash rule; the limit and
    /// window come from the settings (`supervisor.max_restarts`, `restart_window_s`).
    public var restartPolicy: RestartPolicy {
        RestartPolicy(maxRestarts: settings.maxRestarts, windowNs: Int64(settings.restartWindowS * 1e9))
    }

    public init(settings: Settings, strategyPath: String, executableDirectory: String) {
        self.settings = settings
        self.strategyPath = strategyPath
        self.executableDirectory = executableDirectory
    }
}
