#if canImport(Glibc)
import Glibc
#endif

/// What the supervisor starts, and how it looks after it.
public struct SupervisorConfiguration: @unchecked Sendable {
    /// The strategy plugin's file (already resolved and checked).
    public var strategyPath: String
    /// The strategy's `key=value,…` configuration.
    public var strategyConfig: String = ""
    /// HTTP bind address and port of the ingress.
    public var host: String = "127.0.0.1"
    public var port: Int = 8000
    /// The worker's backend: "simulated", or "http" for model servers at `upstreams`.
    public var backend: String = "simulated"
    public var upstreams: [String] = []
    public var upstreamTimeoutMs: Int = 30_000
    public var upstreamAttempts: Int = 3
    /// Simulated backend: ms per squared character, fixed ms per call, texts per call, calls at once.
    public var unitMs: Double = 1
    public var callMs: Double = 0
    public var batchLimit: Int = 5
    public var concurrency: Int = 1
    /// Most queued requests in the scheduler, in all and per client.
    public var maxQueued: Int = 10_000
    public var maxQueuedPerClient: Int?
    /// Deadline for requests that carry none (`X-Timeout-Ms`); 0 for none.
    public var defaultTimeoutMs: Int = 0
    /// A file of `KEY CLIENT` lines: when given, every request needs a key.
    public var apiKeysFile: String?
    /// Requests per second each client may send (token bucket); 0 for no limit.
    public var clientRate: Double = 0
    /// Seconds before an idle or stalled HTTP connection is closed.
    public var idleTimeoutSeconds: Int = 30
    /// Fault injection for tests: the worker crashes on a text containing this.
    public var workerPoison: String?
    /// A child that has not answered a heartbeat for this long is killed and restarted.
    public var heartbeatTimeoutSeconds: Double = 5
    /// Every log line (the supervisor's and the children's) is also appended here.
    public var logFile: UnsafeMutablePointer<FILE>?
    /// Crashes of the scheduler (by a crash signal) within the restart window
    /// after which it restarts on the built-in oldest-first instead of the plugin.
    public var pluginCrashLimit: Int = 2
    /// Where the runtime directory is created (default `$XDG_RUNTIME_DIR` or `/tmp`).
    public var runtimeBase: String?
    /// Record every backend call as JSON lines (for tests and audits).
    public var workerCallLog: String?
    /// Where the child executables are (the supervisor's own directory).
    public var executableDirectory: String
    /// Restart policy: backoff doubles from `initialBackoffMs` to `maxBackoffMs`;
    /// more than `maxRestarts` restarts of one child within `restartWindowSeconds`
    /// stops everything (as an OTP supervisor's restart intensity does).
    public var initialBackoffMs: UInt64 = 100
    public var maxBackoffMs: UInt64 = 5_000
    public var maxRestarts: Int = 5
    public var restartWindowSeconds: Double = 30
    /// How long a child may take to drain before it is killed.
    public var drainGraceSeconds: Double = 30

    public init(strategyPath: String, executableDirectory: String) {
        self.strategyPath = strategyPath
        self.executableDirectory = executableDirectory
    }
}
