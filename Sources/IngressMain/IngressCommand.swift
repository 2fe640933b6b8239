import ArgumentParser
import FerryLog
import LibUV
import Ingress
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

    @Option(help: "Address to bind; loopback unless you mean to expose Ferry.")
    var host: String = "127.0.0.1"

    @Option(help: "HTTP port.")
    var port: Int = 8000

    @Option(help: "The scheduler's Unix socket.")
    var scheduler: String

    @Option(help: "The supervisor's control socket.")
    var control: String?

    @Option(help: "Largest accepted request body, in bytes.")
    var maxBodyBytes: Int = 1 << 20

    @Option(help: "Longest accepted sequence, in characters.")
    var maxSequenceLength: Int = 100_000

    @Option(help: "Deadline in ms for requests without X-Timeout-Ms (0: none).")
    var defaultTimeoutMs: UInt32 = 0

    @Option(help: "Requests per second each client may send; 0: no limit.")
    var clientRate: Double = 0

    @Option(help: "Seconds before an idle or stalled connection is closed.")
    var idleTimeoutS: Int64 = 30

    @Option(help: "File of 'KEY CLIENT' lines; when given, every request needs its key.")
    var apiKeysFile: String?

    @Option(help: "Seconds between performance log lines (throughput, p50/p99, queue depth).")
    var performanceLogS: Int = 5

    @OptionGroup var log: LogArguments

    func run() async throws {
        ProcessSignals.prepare()
        // SIGTERM: the ingress answers what it holds (503) before it goes.
        ProcessSignals.dieWithSupervisor(signal: SIGTERM)
        log.bootstrap()
        var limits = IngressConfiguration.Limits()
        limits.maxBodyBytes = maxBodyBytes
        limits.maxSequenceLength = maxSequenceLength
        limits.defaultTimeoutMs = defaultTimeoutMs
        limits.clientRate = clientRate
        limits.idleTimeoutSeconds = idleTimeoutS
        limits.performanceLogSeconds = max(1, performanceLogS)
        let keys = try apiKeysFile.map { try APIKeys(file: $0) }
        let server = IngressServer(
            configuration: .init(host: host, port: port, schedulerSocket: scheduler, controlSocket: control, limits: limits, apiKeys: keys),
            logger: Logger(label: "ingress"), metrics: IngressMetrics.bootstrap())
        try await server.run()
    }
}
