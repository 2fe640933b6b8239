import ArgumentParser
import BenchKit
import Foundation
import StrategyHost

/// `swift run bench throughput` — Ferry's own cost against a server that
/// answers at once, on every face.
struct ThroughputCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "throughput",
        abstract: "Ferry's throughput and tail latency on a zero-cost backend, as a ratio to a server that answers at once.",
        discussion: """
            Starts Ferry (sjf, a zero-cost simulated backend: batches of 8, 4 calls at once) and `bench bare-server`
            (the same faces and answers, built on the same libraries, answering at once), then sends each the same
            load, one after the other at each step (--rounds times, the order flipped each round): open loop at each
            --rate for --seconds, then --clients closed-loop clients. Per face (the seed's route, the protocol's HTTP JSON and gRPC faces): achieved requests/s,
            p50/p99/p99.9, Ferry ÷ bare, and the CPU each of Ferry's processes spent per request, medians over the
            rounds. Build with
            `swift build -c release` and run .build/release/bench for figures worth quoting.
            """)

    @Option(name: .customLong("rate"), help: "Open-loop rates, requests/s (repeat or comma-separate).")
    var rates: [String] = ["100", "1000", "2000", "4000"]

    @Option(help: "Seconds of traffic at each rate.")
    var seconds: Double = 3

    @Option(help: "Closed-loop clients.")
    var clients = 64

    @Option(help: "Closed-loop requests in all.")
    var closedRequests = 6_400

    @Option(help: "Rounds of each step, bare and Ferry in turn, the order flipped each round (even counts cancel drift); the table gives medians.")
    var rounds = 4

    @Option(name: .customLong("protocol"), help: "Faces (repeat or comma-separate): seed, oip-http, oip-grpc. Default: all.")
    var faces: [String] = []

    @Option(help: "Folder for throughput.json.")
    var out = "Benchmarks/results/throughput"

    @Flag(help: "No progress lines on stderr.")
    var quiet = false

    func run() async throws {
        var options = ThroughputOptions()
        options.seconds = seconds
        options.closedClients = clients
        options.closedRequests = closedRequests
        options.rounds = rounds
        options.out = out
        options.quiet = quiet
        do {
            options.rates = try VersusCommand.list(rates).map {
                guard let v = Double($0), v > 0 else { throw BenchError.usage("--rate takes requests/s > 0, got '\($0)'") }
                return v
            }
            let names = VersusCommand.list(faces)
            if !names.isEmpty { options.faces = try names.map { try LiveProtocol(argument: $0) } }
            guard seconds > 0, clients >= 1, closedRequests >= clients, rounds >= 1 else {
                throw BenchError.usage("--seconds must be > 0, --clients ≥ 1, --closed-requests ≥ --clients and --rounds ≥ 1")
            }
            let dir = StrategyLocator.executableDirectory()
            _ = try await ThroughputRunner(options: options, benchPath: "\(dir)/bench", supervisorPath: "\(dir)/supervisor").run()
        } catch let error as BenchError {
            FileHandle.standardError.write(Data("bench throughput: \(error)\n".utf8))
            throw ExitCode(64)
        }
    }
}
