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
/// the supervisor, which also runs `scheduler check-strategy` before it
/// starts anything: the scheduler is the only Ferry process that loads a
/// plugin (foreign code), so the supervisor, the one that must never crash,
/// never does.
@main
struct SchedulerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scheduler",
        abstract: "Ferry's scheduler: queues requests and asks the strategy plugin what runs next.",
        subcommands: [Serve.self, CheckStrategy.self], defaultSubcommand: Serve.self)
}

/// Loads a strategy plugin with its options and exits: 0 when it would
/// serve, 2 with one line naming the file and what is wrong.
struct CheckStrategy: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check-strategy",
                                                    abstract: "Check that a strategy plugin loads with these options.")

    @Argument(help: "The plugin: a .so path, or a built-in name such as plugins/sjf.so.")
    var strategy: String

    @Option(help: "The strategy's options, key=value pairs separated by commas.")
    var options: String = ""

    func run() throws {
        do {
            let path = try StrategyLocator(builtinDirectory: StrategyLocator.executableDirectory()).resolve(strategy)
            _ = try PluginLoader.load(path: path, config: options)
        } catch {
            StandardError.write("\(error)\n")
            throw ExitCode(2)
        }
    }
}

/// Serves: the scheduler process proper.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the scheduler (the default).")

    @OptionGroup var child: ChildArguments

    @Option(help: "Run the built-in oldest-first instead of the plugin, reporting this reason.")
    var fallbackReason: String?

    func run() throws {
        ProcessSignals.prepare()
        ProcessSignals.dieWithSupervisor()
        let settings = try child.start(process: "scheduler")
        let logger = Logger(label: "scheduler")
        // One strategy instance per model: each lane's plugin keeps its own state.
        var models: [SchedulerServer.Model] = []
        for model in settings.servedModels {
            let plugin: any SchedulingStrategy
            if fallbackReason != nil {
                plugin = OldestFirst()  // the plugin crashed this process before: do not even load it
            } else {
                do {
                    let path = try StrategyLocator(builtinDirectory: StrategyLocator.executableDirectory()).resolve(model.settings.strategy)
                    plugin = try PluginLoader.load(path: path, config: model.settings.strategyConfig)
                } catch {
                    StandardError.write("scheduler: \(settings.models.isEmpty ? "" : "model '\(model.name)': ")\(error)\n")
                    throw ExitCode(2)
                }
            }
            models.append(SchedulerServer.Model(model, strategy: plugin))
        }
        let loop = try UVLoop()
        let server = SchedulerServer(reactor: UVReactor(loop: loop), models: models,
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
