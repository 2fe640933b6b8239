import ArgumentParser
import EventLoop
import Logging
import Scheduler
import StrategyHost
#if canImport(Glibc)
import Glibc
#endif

/// `scheduler` — owns the queue and the strategy plugin. Normally started by
/// the supervisor.
@main
struct SchedulerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scheduler",
        abstract: "Ferry's scheduler: queues requests and asks the strategy plugin what runs next.")

    @Option(help: "Unix socket to listen on for ingress.")
    var socket: String

    @Option(help: "The worker's Unix socket.")
    var worker: String

    @Option(help: "The supervisor's control socket.")
    var control: String?

    @Option(help: "Strategy plugin: a path to a .so, or a built-in name such as plugins/sjf.so.")
    var strategy: String = "plugins/sjf.so"

    @Option(help: "The strategy's configuration, key=value pairs separated by commas.")
    var strategyConfig: String = ""

    @Option(help: "Most requests queued at once; more are refused.")
    var maxQueued: Int = 100_000

    func run() throws {
        ProcessSignals.prepare()
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        let logger = Logger(label: "scheduler")
        let plugin: PluginStrategy
        do {
            let path = try StrategyLocator(builtinDirectory: StrategyLocator.executableDirectory()).resolve(strategy)
            plugin = try PluginLoader.load(path: path, config: strategyConfig)
        } catch {
            fputs("scheduler: \(error)\n", stderr)
            throw ExitCode(2)
        }
        let loop = try Loop()
        let server = SchedulerServer(loop: loop, strategy: plugin,
                                     configuration: .init(socketPath: socket, workerPath: worker, controlPath: control, maxQueued: maxQueued),
                                     logger: logger)
        server.onFinished = { status in
            logger.info("scheduler exiting (\(status))")
            Glibc.exit(status)
        }
        try server.start()
        loop.run()
    }
}
