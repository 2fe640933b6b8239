import ArgumentParser
import FerryLog
import LibUV
import Logging
import Worker
#if canImport(Glibc)
import Glibc
#endif

/// `worker` — runs batches on a backend. Normally started by the supervisor.
@main
struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Ferry's backend worker: executes batches sent by the scheduler.")

    @Option(help: "Unix socket to listen on for the scheduler.")
    var socket: String

    @Option(help: "The supervisor's control socket.")
    var control: String?

    @Option(help: "Backend: 'simulated' (built in) or 'http' (model servers at --upstream).")
    var backend: String = "simulated"

    @Option(help: "Model server base URL for --backend http (repeat for several; calls go to the least busy).")
    var upstream: [String] = []

    @Option(help: "Per-call timeout for --backend http, in ms.")
    var upstreamTimeoutMs: Int64 = 30_000

    @Option(help: "Tries per call for --backend http (retryable failures: refused, reset, timeout, 5xx).")
    var upstreamAttempts: Int = 3

    @Option(help: "Simulated backend: milliseconds per squared character of the longest text.")
    var unitMs: Double = 1

    @Option(help: "Simulated backend: fixed milliseconds per call.")
    var callMs: Double = 0

    @Option(help: "Most texts one backend call may hold.")
    var batchLimit: Int = 5

    @Option(help: "Backend calls that may run at once.")
    var concurrency: Int = 1

    @Option(help: "Append one JSON line per backend call to this file.")
    var callLog: String?

    @Option(help: ArgumentHelp("Fault injection for tests: crash on any text containing this.", visibility: .hidden))
    var poison: String?

    @OptionGroup var log: LogArguments

    func validate() throws {
        guard batchLimit >= 1 else { throw ValidationError("--batch-limit must be at least 1, got \(batchLimit)") }
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1, got \(concurrency)") }
        guard unitMs >= 0, unitMs.isFinite else { throw ValidationError("--unit-ms must be a non-negative number, got \(unitMs)") }
        guard callMs >= 0, callMs.isFinite else { throw ValidationError("--call-ms must be a non-negative number, got \(callMs)") }
        guard ["simulated", "http"].contains(backend) else { throw ValidationError("--backend must be 'simulated' or 'http', got '\(backend)'") }
        if backend == "http" {
            guard !upstream.isEmpty else { throw ValidationError("--backend http needs at least one --upstream URL") }
            for url in upstream where !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
                throw ValidationError("--upstream \(url) is not an http:// or https:// URL")
            }
        }
        guard upstreamAttempts >= 1 else { throw ValidationError("--upstream-attempts must be at least 1") }
    }

    func run() throws {
        ProcessSignals.prepare()
        ProcessSignals.dieWithSupervisor()
        log.bootstrap()
        let logger = Logger(label: "worker")
        let loop = try UVLoop()
        let metrics = WorkerMetrics()
        let chosen: Backend
        if backend == "http" {
            var config = HTTPUpstreamBackend.Configuration(urls: upstream)
            config.batchLimit = batchLimit
            config.concurrency = concurrency
            config.timeoutMs = upstreamTimeoutMs
            config.maxAttempts = upstreamAttempts
            chosen = try HTTPUpstreamBackend(loop: loop, configuration: config, logger: logger, metrics: metrics)
        } else {
            let simulated = SimulatedBackend(loop: loop, unitMs: unitMs, callMs: callMs, batchLimit: batchLimit, concurrency: concurrency)
            simulated.poison = poison
            chosen = simulated
        }
        let server = WorkerServer(loop: loop, backend: chosen,
                                  configuration: .init(socketPath: socket, controlPath: control, callLogPath: callLog),
                                  logger: logger, metrics: metrics)
        server.onFinished = { status in
            logger.info("worker exiting (\(status))")
            Glibc.exit(status)
        }
        try server.start()
        loop.run()
    }
}
