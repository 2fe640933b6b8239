import ArgumentParser
import LibUV
import FerryConfig
import FerryLog
import Foundation
import Logging
import StrategyHost
import Supervisor
#if canImport(Glibc)
import Glibc
#endif

/// `supervisor` — starts Ferry: worker, scheduler and ingress as separate
/// processes over Unix sockets, with the chosen strategy plugin.
///
/// Every flag has a key in the TOML config file (`--config`); a flag given on
/// the command line wins over the file, the file over the defaults. The flags
/// are optionals so that "not given" can be told from "given the default".
@main
struct SupervisorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "supervisor",
        abstract: "Start Ferry: a batching and scheduling gateway for model inference.",
        discussion: """
            --strategy takes a path to a strategy plugin (.so). plugins/NAME.so names the
            built-in strategy NAME unless a real file stands at that path.
            Every option has a key in the config file (--config ferry.toml); flags win over the file.
            """)

    typealias S = Settings

    @Option(help: "A TOML config file; flags given here override its values.")
    var config: String?

    @Flag(help: "Print the effective configuration (as TOML, with where each value came from) and exit.")
    var printConfig = false

    @Option(help: .init(S.help("Strategy plugin: plugins/NAME.so for a built-in, or any path to a .so.", \.strategy)))
    var strategy: String?
    @Option(help: .init(S.help("The strategy's options, key=value pairs separated by commas.", \.strategyConfig)))
    var strategyConfig: String?

    @Option(help: .init(S.help("HTTP address to bind (loopback unless you mean to expose Ferry).", \.host)))
    var host: String?
    @Option(help: .init(S.help("HTTP port.", \.port)))
    var port: Int?
    @Option(help: .init(S.help("gRPC port of the Open Inference Protocol and grpc.health.v1 (Triton's is 8001).", \.grpcPort)))
    var grpcPort: Int?
    @Option(help: .init(S.help("Seconds before an idle or stalled HTTP connection is closed.", \.idleTimeoutS)))
    var idleTimeoutS: Int?
    @Option(help: .init(S.help("File of 'KEY CLIENT' lines; when given, every request needs its key (Authorization: Bearer KEY or X-Api-Key).", \.apiKeysFile)))
    var apiKeysFile: String?

    @Option(help: .init(S.help("Backend: 'simulated' (built in), 'http' (model servers speaking the seed's /classify at --upstream) or 'oip' (Open Inference Protocol servers: Triton, MLServer, KServe; grpc:// or http:// upstreams).", \.backend)))
    var backend: String?
    @Option(help: .init(S.help("Most texts one backend call may hold.", \.batchLimit)))
    var batchLimit: Int?
    @Option(help: .init(S.help("Backend calls that may run at once.", \.concurrency)))
    var concurrency: Int?
    @Option(help: .init(S.help("Upstream backends: calls sent ahead per call at once, queued at the model server so the next starts as one ends.", \.pipeline, resolvedDefault: S.pipelineDefaultRule)))
    var pipeline: Int?
    @Option(help: .init(S.help("Simulated backend: milliseconds per squared character of a call's longest text.", \.unitMs)))
    var unitMs: Double?
    @Option(help: .init(S.help("Simulated backend: fixed milliseconds per call.", \.callMs)))
    var callMs: Double?
    @Option(help: .init(S.help("A term of the cost law the scheduler learns: fixed, per_item, longest_squared, padded (repeat for several).", \.costTerms)))
    var costTerm: [String] = []
    @Option(help: .init(S.help("Calls the learned cost law remembers; 0 keeps the configured law.", \.costWindow)))
    var costWindow: Int?
    @Option(help: .init(S.help("A lasting directory where the scheduler keeps each model's learned calls, so that a restarted Ferry resumes its cost law.", \.learnedCallsDir, resolvedDefault: S.learnedCallsDirDefault)))
    var learnedCallsDir: String?
    @Option(help: .init(S.help("'bound' (refuse only when the queue is full) or 'predictive' (also refuse at once a request the cost law says would finish after its deadline).", \.admission)))
    var admission: String?

    @Option(help: .init(S.help("What a text's size (the cost law's input) counts: 'characters', 'words' (BERT-style pre-tokens plus 2, about a transformer tokenizer's count) or 'bytes'.", \.itemSize)))
    var itemSize: String?
    @Option(help: .init(S.help("Model server base URL, e.g. http://127.0.0.1:8010, or grpc://127.0.0.1:8021 for the oip backend (repeat for several).", \.upstream)))
    var upstream: [String] = []
    @Option(help: .init(S.help("Per-call timeout for the http backend, in ms.", \.upstreamTimeoutMs)))
    var upstreamTimeoutMs: Int?
    @Option(help: .init(S.help("Tries per call for the http backend (refused, reset, timeout and 5xx are retried).", \.upstreamAttempts)))
    var upstreamAttempts: Int?
    @Option(help: .init(S.help("oip backend: the model to call on the upstream servers.", \.upstreamModel)))
    var upstreamModel: String?
    @Option(help: .init(S.help("oip backend: the model's input tensor.", \.upstreamInput)))
    var upstreamInput: String?
    @Option(help: .init(S.help("oip backend: the model's output tensor.", \.upstreamOutput)))
    var upstreamOutput: String?
    @Option(help: .init(S.help("oip backend: one row's shape, e.g. 1 for [N, 1] (empty for [N]).", \.upstreamRowShape)))
    var upstreamRowShape: String?
    @Option(help: .init(S.help("Append one JSON line per backend call to this file.", \.workerCallLog)))
    var workerCallLog: String?

    @Option(help: .init(S.help("Most requests queued at once; more are answered 429.", \.maxQueued)))
    var maxQueued: Int?
    @Option(help: .init(S.help("Most requests one client may have queued (unset: --max-queued).", \.maxQueuedPerClient)))
    var maxQueuedPerClient: Int?
    @Option(help: .init(S.help("Deadline in ms for requests without X-Timeout-Ms (0: none).", \.defaultTimeoutMs)))
    var defaultTimeoutMs: Int?
    @Option(help: .init(S.help("Requests per second each client may send (token bucket, burst of one second); 0: no limit.", \.clientRate)))
    var clientRate: Double?
    @Option(help: .init(S.help("Largest accepted request body, in bytes.", \.maxBodyBytes)))
    var maxBodyBytes: Int?
    @Option(help: .init(S.help("Redis server of the stream ingress: HOST:PORT or a Unix socket path.", \.redis)))
    var redis: String?
    @Option(help: .init(S.help("Redis stream the model's requests come from (starts the stream ingress).", \.streamKey)))
    var stream: String?
    @Option(help: .init(S.help("Stream the answers go to (unset: STREAM:results).", \.streamResults)))
    var streamResults: String?
    @Option(help: .init(S.help("Stream for entries that keep failing (unset: STREAM:dead).", \.streamDeadLetter)))
    var streamDeadLetter: String?
    @Option(help: .init(S.help("Consumer group Ferry reads the stream in.", \.streamGroup)))
    var streamGroup: String?
    @Option(help: .init(S.help("This Ferry's consumer name in the group (unset: the host name).", \.streamConsumer)))
    var streamConsumer: String?
    @Option(help: .init(S.help("Entries read and not yet answered, per stream.", \.streamInFlight)))
    var streamInFlight: Int?
    @Option(help: .init(S.help("Milliseconds a dead consumer's entry waits before this Ferry takes it over.", \.streamClaimIdleMs)))
    var streamClaimIdleMs: Int?
    @Option(help: .init(S.help("Deliveries of one entry before it goes to the dead-letter stream.", \.streamMaxDeliveries)))
    var streamMaxDeliveries: Int?

    @Option(help: .init(S.help("Longest accepted sequence, in characters.", \.maxSequenceLength)))
    var maxSequenceLength: Int?

    @Option(help: .init(S.help("Least severe level logged: \(Logger.Level.names).", \.logLevel)))
    var logLevel: String?
    @Option(help: .init(S.help("Log lines as 'text' or 'json' (one object per line).", \.logFormat)))
    var logFormat: String?
    @Option(help: .init(S.help("Also append every log line (the supervisor's and the children's) to this file.", \.logFile)))
    var logFile: String?
    @Option(help: .init(S.help("Seconds between the ingress's performance log lines.", \.performanceLogS)))
    var performanceLogS: Int?

    @Option(help: .init(S.help("Create the private runtime directory under this directory (unset: $XDG_RUNTIME_DIR or /tmp).", \.runtimeDir)))
    var runtimeDir: String?
    @Option(help: .init(S.help("Seconds without a heartbeat answer before a child is killed and restarted.", \.heartbeatTimeoutS)))
    var heartbeatTimeoutS: Double?
    @Option(help: .init(S.help("Restarts of one child allowed within --restart-window-s before Ferry stops.", \.maxRestarts)))
    var maxRestarts: Int?
    @Option(help: .init(S.help("The window, in seconds, for --max-restarts.", \.restartWindowS)))
    var restartWindowS: Double?
    @Option(help: .init(S.help("Seconds a child may take to drain at shutdown before it is killed.", \.drainGraceS)))
    var drainGraceS: Double?

    @Option(help: .init(S.help("Simulated backend: the worker crashes on any text containing this, as a real backend may (to rehearse failures).", \.crashOn)))
    var crashOn: String?

    /// Defaults, then the file, then the flags given; validated.
    func settings() throws(ConfigError) -> Settings {
        var s = Settings()
        if let config { try s.load(file: config) }
        s.override(\.strategy, with: strategy)
        s.override(\.strategyConfig, with: strategyConfig)
        s.override(\.host, with: host)
        s.override(\.port, with: port)
        s.override(\.grpcPort, with: grpcPort)
        s.override(\.idleTimeoutS, with: idleTimeoutS)
        s.override(\.apiKeysFile, with: apiKeysFile)
        s.override(\.backend, with: backend)
        s.override(\.batchLimit, with: batchLimit)
        s.override(\.concurrency, with: concurrency)
        s.override(\.pipeline, with: pipeline)
        s.override(\.unitMs, with: unitMs)
        s.override(\.callMs, with: callMs)
        s.override(\.costTerms, with: costTerm)
        s.override(\.costWindow, with: costWindow)
        s.override(\.learnedCallsDir, with: learnedCallsDir)
        s.override(\.admission, with: admission)
        s.override(\.itemSize, with: itemSize)
        s.override(\.upstream, with: upstream)
        s.override(\.upstreamTimeoutMs, with: upstreamTimeoutMs)
        s.override(\.upstreamAttempts, with: upstreamAttempts)
        s.override(\.upstreamModel, with: upstreamModel)
        s.override(\.upstreamInput, with: upstreamInput)
        s.override(\.upstreamOutput, with: upstreamOutput)
        s.override(\.upstreamRowShape, with: upstreamRowShape)
        s.override(\.workerCallLog, with: workerCallLog)
        s.override(\.crashOn, with: crashOn)
        s.override(\.maxQueued, with: maxQueued)
        s.override(\.maxQueuedPerClient, with: maxQueuedPerClient)
        s.override(\.defaultTimeoutMs, with: defaultTimeoutMs)
        s.override(\.clientRate, with: clientRate)
        s.override(\.maxBodyBytes, with: maxBodyBytes)
        s.override(\.maxSequenceLength, with: maxSequenceLength)
        s.override(\.redis, with: redis)
        s.override(\.streamKey, with: stream)
        s.override(\.streamResults, with: streamResults)
        s.override(\.streamDeadLetter, with: streamDeadLetter)
        s.override(\.streamGroup, with: streamGroup)
        s.override(\.streamConsumer, with: streamConsumer)
        s.override(\.streamInFlight, with: streamInFlight)
        s.override(\.streamClaimIdleMs, with: streamClaimIdleMs)
        s.override(\.streamMaxDeliveries, with: streamMaxDeliveries)
        s.override(\.logLevel, with: logLevel)
        s.override(\.logFormat, with: logFormat)
        s.override(\.logFile, with: logFile)
        s.override(\.performanceLogS, with: performanceLogS)
        s.override(\.runtimeDir, with: runtimeDir)
        s.override(\.heartbeatTimeoutS, with: heartbeatTimeoutS)
        s.override(\.maxRestarts, with: maxRestarts)
        s.override(\.restartWindowS, with: restartWindowS)
        s.override(\.drainGraceS, with: drainGraceS)
        s.resolveUpstreamModels()
        s.resolvePipelines()
        try s.validate()
        return s
    }

    func run() throws {
        ProcessSignals.prepare()
        let settings: Settings
        do { settings = try self.settings() } catch {
            StandardError.write("supervisor: \(error)\n")
            throw ExitCode(2)
        }
        if printConfig {
            print(settings.toml(), terminator: "")
            return
        }
        var logCopy: UnsafeMutablePointer<FILE>?
        if let path = settings.logFile {
            guard let f = fopen(path, "a") else {
                StandardError.write("supervisor: cannot open the log file \(path) for appending: \(String(cString: strerror(errno)))\n")
                throw ExitCode(1)
            }
            logCopy = f
        }
        FerryLogHandler.bootstrap(level: settings.level, format: settings.format, file: logCopy)
        let directory = StrategyLocator.executableDirectory()
        // Refuse a wrong plugin here, before any child starts: one line, exit 2.
        // The plugin is loaded by `scheduler check-strategy`, never in this process.
        // Each model's strategy is checked (once per distinct plugin and options).
        let locator = StrategyLocator(builtinDirectory: directory)
        var checked: Set<[String]> = []
        var path = ""
        for model in [ModelSettings.classifier(settings)] + settings.models {
            let s = model.settings
            let from = [s.origins["strategy.path"], s.origins["strategy.options"]].compactMap { $0 }
            let setAt = (from.isEmpty ? "" : " (set at \(from.joined(separator: ", ")))")
                + (model.origin == "default" ? "" : " for model '\(model.name)'")
            let resolved: String
            do {
                resolved = try locator.resolve(s.strategy)
            } catch {
                StandardError.write("supervisor: \(error)\(setAt)\n")
                throw ExitCode(2)
            }
            if path.isEmpty { path = resolved }  // the top level's, named in the logs
            guard checked.insert([resolved, s.strategyConfig]).inserted else { continue }
            if let refusal = StrategyCheck.run(scheduler: "\(directory)/scheduler", strategy: resolved, options: s.strategyConfig) {
                StandardError.write("supervisor: \(refusal)\(setAt)\n")
                throw ExitCode(2)
            }
        }
        var config = SupervisorConfiguration(settings: settings, strategyPath: path, executableDirectory: directory)
        config.logFile = logCopy
        let supervisor: Supervisor
        do {
            supervisor = try Supervisor(configuration: config, logger: Logger(label: "supervisor"))
        } catch {
            StandardError.write("supervisor: \(error)\n")
            throw ExitCode(1)
        }
        let code = supervisor.run()
        if code != 0 { throw ExitCode(code) }
    }
}
