import ArgumentParser
import EventLoop
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

    func validate() throws {
        guard batchLimit >= 1 else { throw ValidationError("--batch-limit must be at least 1, got \(batchLimit)") }
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1, got \(concurrency)") }
        guard unitMs >= 0, unitMs.isFinite else { throw ValidationError("--unit-ms must be a non-negative number, got \(unitMs)") }
        guard callMs >= 0, callMs.isFinite else { throw ValidationError("--call-ms must be a non-negative number, got \(callMs)") }
    }

    func run() throws {
        ProcessSignals.prepare()
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        let logger = Logger(label: "worker")
        let loop = try Loop()
        let backend = SimulatedBackend(loop: loop, unitMs: unitMs, callMs: callMs, batchLimit: batchLimit, concurrency: concurrency)
        backend.poison = poison
        let server = WorkerServer(loop: loop, backend: backend,
                                  configuration: .init(socketPath: socket, controlPath: control, callLogPath: callLog),
                                  logger: logger)
        server.onFinished = { status in
            logger.info("worker exiting (\(status))")
            Glibc.exit(status)
        }
        try server.start()
        loop.run()
    }
}
