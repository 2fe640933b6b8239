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
    /// Fault injection for tests: the worker crashes on a text containing this.
    public var workerPoison: String?
    /// Crashes of the scheduler (by a crash signal) within the restart window
    /// after which it restarts on the built-in oldest-first instead of the plugin.
    public var pluginCrashLimit: Int = 2
    /// Restart backoff doubles from `initialBackoffMs` to `maxBackoffMs`; more
    /// than `settings.maxRestarts` restarts of one child within
    /// `settings.restartWindowS` stops everything (as an OTP supervisor's
    /// restart intensity does).
    public var initialBackoffMs: UInt64 = 100
    public var maxBackoffMs: UInt64 = 5_000

    public init(settings: Settings, strategyPath: String, executableDirectory: String) {
        self.settings = settings
        self.strategyPath = strategyPath
        self.executableDirectory = executableDirectory
    }
}
