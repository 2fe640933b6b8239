import ArgumentParser
import FerryConfig
import FerryLog
import LibUV
import LinkUV
import Logging
import StreamIngress

/// `streamer` — the stream ingress: reads Redis streams, submits each entry
/// to the scheduler, writes the answers back. Started by the supervisor
/// when a model names a stream.
@main
struct StreamerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "streamer",
        abstract: "Ferry's stream ingress: Redis Streams in, answers to a results stream.")

    @OptionGroup var child: ChildArguments

    func run() throws {
        ProcessSignals.prepare()
        ProcessSignals.dieWithSupervisor()
        let settings = try child.start(process: "streamer")
        let logger = Logger(label: "streamer")
        let streams: [StreamConfig]
        do { streams = try StreamConfig.all(from: settings) } catch {
            StandardError.write("streamer: \(error)\n")
            throw ExitCode(2)
        }
        guard !streams.isEmpty else {
            StandardError.write("streamer: no model names a stream (stream.key or a model's stream)\n")
            throw ExitCode(2)
        }
        let loop = try UVLoop()
        let server = StreamIngressServer(loop: loop, reactor: UVReactor(loop: loop),
                                         configuration: .init(streams: streams, schedulerPath: try child.required(\.connect, by: "streamer"),
                                                              controlPath: child.control),
                                         logger: logger)
        try ProcessLife.run(loop: loop, process: "streamer", logger: logger) { finished in
            server.onFinished = finished
            try server.start()
        }
    }
}
