import ArgumentParser
import FerryConfig
import FerryLog
import LibUV
import LinkUV
import Logging
import Scheduler
import Scheduling
import StrategyHost
import StrategySDK
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

    @OptionGroup var child: ChildArguments

    @Option(help: "Run the built-in oldest-first instead of the plugin, reporting this reason.")
    var fallbackReason: String?

    func run() throws {
        ProcessSignals.prepare()
        ProcessSignals.dieWithSupervisor()
        let settings = try child.start(process: "scheduler")
        let logger = Logger(label: "scheduler")
        let plugin: any SchedulingStrategy
        if fallbackReason != nil {
            plugin = OldestFirst()  // the plugin crashed this process before: do not even load it
        } else {
            do {
                let path = try StrategyLocator(builtinDirectory: StrategyLocator.executableDirectory()).resolve(settings.strategy)
                plugin = try PluginLoader.load(path: path, config: settings.strategyConfig)
            } catch {
                StandardError.write("scheduler: \(error)\n")
                throw ExitCode(2)
            }
        }
        let loop = try UVLoop()
        let server = SchedulerServer(reactor: UVReactor(loop: loop), strategy: plugin,
                                     configuration: .init(settings: settings, socketPath: try child.required(\.listen, by: "scheduler"),
                                                          workerPath: try child.required(\.connect, by: "scheduler"),
                                                          controlPath: child.control, fallbackReason: fallbackReason),
                                     logger: logger)
        try ProcessLife.run(loop: loop, process: "scheduler", logger: logger) { finished in
            server.onFinished = finished
            try server.start()
        }
    }
}
