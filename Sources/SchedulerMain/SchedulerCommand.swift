import ArgumentParser
import FerryLog
import LibUV
import Logging
import Scheduler
import Scheduling
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
    var maxQueued: Int = 10_000

    @Option(help: "Most requests one client may have queued (default: --max-queued).")
    var maxQueuedPerClient: Int?

    @Option(help: "Run the built-in oldest-first instead of the plugin, reporting this reason.")
    var fallbackReason: String?

    @OptionGroup var log: LogArguments

    func run() throws {
        ProcessSignals.prepare()
        ProcessSignals.dieWithSupervisor()
        log.bootstrap()
        let logger = Logger(label: "scheduler")
        let plugin: Strategy
        if fallbackReason != nil {
            plugin = OldestFirst()  // the plugin crashed this process before: do not even load it
        } else {
            do {
                let path = try StrategyLocator(builtinDirectory: StrategyLocator.executableDirectory()).resolve(strategy)
                plugin = try PluginLoader.load(path: path, config: strategyConfig)
            } catch {
                StandardError.write("scheduler: \(error)\n")
                throw ExitCode(2)
            }
        }
        let loop = try UVLoop()
        let server = SchedulerServer(loop: loop, strategy: plugin,
                                     configuration: .init(socketPath: socket, workerPath: worker, controlPath: control, maxQueued: maxQueued,
                                                          maxQueuedPerClient: maxQueuedPerClient, fallbackReason: fallbackReason),
                                     logger: logger)
        server.onFinished = { status in
            logger.info("scheduler exiting (\(status))")
            Glibc.exit(status)
        }
        try server.start()
        loop.run()
    }
}
