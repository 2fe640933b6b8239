import ArgumentParser
import Foundation
import EventLoop
import Logging
import StrategyHost
import Supervisor
#if canImport(Glibc)
import Glibc
#endif

/// `supervisor` — starts Ferry: worker, scheduler and ingress as separate
/// processes over Unix sockets, with the chosen strategy plugin.
@main
struct SupervisorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "supervisor",
        abstract: "Start Ferry: a batching and scheduling gateway for model inference.",
        discussion: """
            --strategy takes a path to a strategy plugin (.so). plugins/NAME.so names the
            built-in strategy NAME unless a real file stands at that path.
            """)

    @Option(help: "Strategy plugin: plugins/NAME.so for a built-in, or any path to a .so.")
    var strategy: String = "plugins/sjf.so"

    @Option(help: "The strategy's configuration, key=value pairs separated by commas.")
    var strategyConfig: String = ""

    @Option(help: "HTTP address to bind (loopback unless you mean to expose Ferry).")
    var host: String = "127.0.0.1"

    @Option(help: "HTTP port.")
    var port: Int = 8000

    @Option(help: "Backend: 'simulated' (built in) or 'http' (model servers speaking the seed's /classify at --upstream).")
    var backend: String = "simulated"

    @Option(help: "Model server base URL, e.g. http://127.0.0.1:8001 (repeat for several).")
    var upstream: [String] = []

    @Option(help: "Per-call timeout for the http backend, in ms.")
    var upstreamTimeoutMs: Int = 30_000

    @Option(help: "Tries per call for the http backend (refused, reset, timeout and 5xx are retried).")
    var upstreamAttempts: Int = 3

    @Option(help: "Simulated backend: milliseconds per squared character of a call's longest text.")
    var unitMs: Double = 1

    @Option(help: "Simulated backend: fixed milliseconds per call.")
    var callMs: Double = 0

    @Option(help: "Most texts one backend call may hold.")
    var batchLimit: Int = 5

    @Option(help: "Backend calls that may run at once.")
    var concurrency: Int = 1

    @Option(help: "Most requests queued at once; more are answered 429.")
    var maxQueued: Int = 10_000

    @Option(help: "Most requests one client may have queued (default: --max-queued).")
    var maxQueuedPerClient: Int?

    @Option(help: "Deadline in ms for requests without X-Timeout-Ms (0: none).")
    var defaultTimeoutMs: Int = 0

    @Option(help: "File of 'KEY CLIENT' lines; when given, every request needs its key (Authorization: Bearer KEY or X-Api-Key).")
    var apiKeysFile: String?

    @Option(help: "Requests per second each client may send (token bucket, burst of one second); 0: no limit.")
    var clientRate: Double = 0

    @Option(help: "Seconds before an idle or stalled HTTP connection is closed.")
    var idleTimeoutS: Int = 30

    @Option(help: "Also append every log line (the supervisor's and the children's) to this file.")
    var logFile: String?

    @Option(help: "Seconds without a heartbeat answer before a child is killed and restarted.")
    var heartbeatTimeoutS: Double = 5

    @Option(help: ArgumentHelp("Fault injection for tests: the worker crashes on any text containing this.", visibility: .hidden))
    var workerPoison: String?

    @Option(help: "Create the private runtime directory under this directory.")
    var runtimeDir: String?

    @Option(help: "Append one JSON line per backend call to this file.")
    var workerCallLog: String?

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535, got \(port)") }
        guard batchLimit >= 1 else { throw ValidationError("--batch-limit must be at least 1, got \(batchLimit)") }
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1, got \(concurrency)") }
        guard unitMs >= 0, unitMs.isFinite else { throw ValidationError("--unit-ms must be a non-negative number, got \(unitMs)") }
        guard callMs >= 0, callMs.isFinite else { throw ValidationError("--call-ms must be a non-negative number, got \(callMs)") }
        guard maxQueued >= 1 else { throw ValidationError("--max-queued must be at least 1, got \(maxQueued)") }
        guard (maxQueuedPerClient ?? 1) >= 1 else { throw ValidationError("--max-queued-per-client must be at least 1") }
        guard defaultTimeoutMs >= 0 else { throw ValidationError("--default-timeout-ms must not be negative") }
        guard clientRate >= 0, clientRate.isFinite else { throw ValidationError("--client-rate must not be negative") }
        guard idleTimeoutS >= 1 else { throw ValidationError("--idle-timeout-s must be at least 1") }
        guard heartbeatTimeoutS >= 1 else { throw ValidationError("--heartbeat-timeout-s must be at least 1") }
        guard ["simulated", "http"].contains(backend) else { throw ValidationError("--backend must be 'simulated' or 'http', got '\(backend)'") }
        if backend == "http" && upstream.isEmpty { throw ValidationError("--backend http needs at least one --upstream URL") }
        for url in upstream where !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
            throw ValidationError("--upstream \(url) is not an http:// or https:// URL")
        }
        guard upstreamTimeoutMs >= 1, upstreamAttempts >= 1 else { throw ValidationError("--upstream-timeout-ms and --upstream-attempts must be at least 1") }
        if let file = apiKeysFile, !FileManager.default.isReadableFile(atPath: file) {
            throw ValidationError("--api-keys-file \(file) cannot be read")
        }
    }

    func run() throws {
        ProcessSignals.prepare()
        var logCopy: UnsafeMutablePointer<FILE>?
        if let logFile {
            guard let f = fopen(logFile, "a") else {
                fputs("supervisor: cannot open --log-file \(logFile) for appending\n", stderr)
                throw ExitCode(1)
            }
            logCopy = f
        }
        let copy = logCopy
        LoggingSystem.bootstrap { TeeLogHandler(label: $0, file: copy) }
        let directory = StrategyLocator.executableDirectory()
        // Refuse a wrong plugin here, before any child starts: one line, non-zero exit.
        let path: String
        do {
            path = try StrategyLocator(builtinDirectory: directory).resolve(strategy)
            _ = try PluginLoader.load(path: path, config: strategyConfig)
        } catch {
            fputs("supervisor: \(error)\n", stderr)
            throw ExitCode(2)
        }
        var config = SupervisorConfiguration(strategyPath: path, executableDirectory: directory)
        config.strategyConfig = strategyConfig
        config.host = host
        config.port = port
        config.unitMs = unitMs
        config.callMs = callMs
        config.batchLimit = batchLimit
        config.concurrency = concurrency
        config.maxQueued = maxQueued
        config.maxQueuedPerClient = maxQueuedPerClient
        config.defaultTimeoutMs = defaultTimeoutMs
        config.apiKeysFile = apiKeysFile
        config.clientRate = clientRate
        config.idleTimeoutSeconds = idleTimeoutS
        config.heartbeatTimeoutSeconds = heartbeatTimeoutS
        config.workerPoison = workerPoison
        config.logFile = logCopy
        config.backend = backend
        config.upstreams = upstream
        config.upstreamTimeoutMs = upstreamTimeoutMs
        config.upstreamAttempts = upstreamAttempts
        config.runtimeBase = runtimeDir
        config.workerCallLog = workerCallLog
        let supervisor: Supervisor
        do {
            supervisor = try Supervisor(configuration: config, logger: Logger(label: "supervisor"))
        } catch {
            fputs("supervisor: \(error)\n", stderr)
            throw ExitCode(1)
        }
        let code = supervisor.run()
        if code != 0 { throw ExitCode(code) }
    }
}
