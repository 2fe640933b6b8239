import ArgumentParser
import BenchKit
import Foundation

/// `swift run bench chaos` — kill, pause and drain Ferry's processes in a
/// seeded order under open-loop traffic; exit 2 when anything was lost,
/// answered twice or wrong, an unexpected error was answered, or a child
/// outlived its supervisor.
struct ChaosCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chaos",
        abstract: "Soak Ferry under seeded faults and check that nothing is lost.",
        discussion: """
            Starts Ferry, sends seeded open-loop traffic, and injects faults 2–6 s apart: kill (SIGKILL a child), \
            kill2/kill3 (two or three children 0–2.5 s apart), stop (SIGSTOP 1–3 s), drain-kill (SIGTERM the \
            supervisor, SIGKILL a child during the drain) and supervisor-kill (its children must exit). Then it \
            counts every request's outcome and, from the worker's call log, how many times each text ran. \
            Writes chaos.json and chaos-timeline.svg to --out.

            Exit status: 0 when nothing was lost, answered twice or wrong, no unexpected error was answered \
            and no child outlived its supervisor; 2 otherwise.
            """)

    @Option(help: "Seconds of faults (and traffic).")
    var duration: Double = 60

    @Option(help: "Seed: the same seed replays the same fault schedule and the same traffic.")
    var seed: UInt64 = 1

    @Option(help: "Requests per second offered, over all clients (the default keeps the default backend about two thirds busy, so faults land mid-call).")
    var rate: Double = 40

    @Option(help: "Number of clients (c0 sends short texts, the others longer ones).")
    var clients: Int = 3

    @Option(help: "simulated (the worker's built-in model) or http (the reference model server, started here and also killed).")
    var backend: String = "simulated"

    @Option(name: .customLong("unit-ms"), help: "ms per squared character, for the simulated backend or the model server.")
    var unitMs: Double = 0.3

    @Option(help: "Fault kinds, comma-separated: kill, kill2, kill3, stop, drain-kill, supervisor-kill. Default: all.")
    var faults: [String] = []

    @Flag(name: .customLong("cover-all-kinds"), help: "Keep injecting past --duration until every fault kind was injected once.")
    var coverAllKinds = false

    @Option(help: "The strategy plugin Ferry runs.")
    var strategy: String = "plugins/sjf.so"

    @Option(help: "Folder for chaos.json, chaos-timeline.svg and Ferry's logs.")
    var out: String = "Benchmarks/results/chaos"

    @Flag(help: "No progress lines on stderr.")
    var quiet = false

    func run() async throws {
        var options = ChaosOptions()
        options.durationS = duration
        options.seed = seed
        options.rate = rate
        options.clients = clients
        options.unitMs = unitMs
        options.coverAllKinds = coverAllKinds
        options.strategy = strategy
        options.out = out
        options.quiet = quiet
        do {
            guard let backend = ChaosOptions.Backend(rawValue: backend) else {
                throw BenchError.usage("--backend must be simulated or http, got '\(backend)'")
            }
            options.backend = backend
            options.faults = try FaultKind.parse(faults)
            let report = try await ChaosRunner(options: options).run()
            print(report.text, terminator: "")
            if !report.passed { throw ExitCode(2) }
        } catch let error as BenchError {
            FileHandle.standardError.write(Data("bench chaos: \(error)\n".utf8))
            throw ExitCode(64)
        }
    }
}
