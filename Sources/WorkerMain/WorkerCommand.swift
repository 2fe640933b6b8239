import ArgumentParser
import FerryConfig
import FerryLog
import LibUV
import LinkUV
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

    @OptionGroup var child: ChildArguments


    func run() throws {
        ProcessSignals.prepare()
        ProcessSignals.dieWithSupervisor()
        let settings = try child.start(process: "worker")
        let logger = Logger(label: "worker")
        let loop = try UVLoop()
        let reactor = UVReactor(loop: loop)
        let metrics = WorkerMetrics(models: settings.servedModels.map(\.name))
        let served = try Backends.make(models: settings.servedModels, reactor: reactor, logger: logger, metrics: metrics)
        let server = WorkerServer(reactor: reactor, served: served,
                                  configuration: .init(settings: settings, socketPath: try child.required(\.listen, by: "worker"),
                                                       controlPath: child.control),
                                  logger: logger, metrics: metrics)
        try ProcessLife.run(loop: loop, process: "worker", logger: logger) { finished in
            server.onFinished = finished
            try server.start()
        }
    }
}
