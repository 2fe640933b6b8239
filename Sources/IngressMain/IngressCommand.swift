import ArgumentParser
import FerryConfig
import Ingress
import LibUV
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// `ingress` — Ferry's HTTP front door. Normally started by the supervisor.
@main
struct IngressCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingress",
        abstract: "Ferry's ingress: the seed's /proxy_classify endpoint in front of the scheduler.")

    @OptionGroup var child: ChildArguments

    func run() async throws {
        ProcessSignals.prepare()
        // SIGTERM: the ingress answers what it holds (503) before it goes.
        ProcessSignals.dieWithSupervisor(signal: SIGTERM)
        let settings = try child.start(process: "ingress")
        let server = IngressServer(
            configuration: try .init(settings: settings, schedulerSocket: try child.required(\.connect, by: "ingress"),
                                     controlSocket: child.control),
            logger: Logger(label: "ingress"), metrics: IngressMetrics.bootstrap())
        try await server.run()
    }
}
