import AsyncHTTPClient
import Foundation
import StrategyHost

/// `bench chaos`: a seeded soak that kills, pauses and drains Ferry's
/// processes in every order while open-loop traffic runs, then checks from
/// the client's records and the worker's call log that nothing was lost,
/// answered twice or answered wrong.
public struct ChaosRunner {
    public let options: ChaosOptions
    let say: @Sendable (String) -> Void

    public init(options: ChaosOptions) {
        self.options = options
        let quiet = options.quiet
        say = { line in if !quiet { FileHandle.standardError.write(Data(("[chaos] " + line + "\n").utf8)) } }
    }

    /// Runs the soak, prints the tables, writes `chaos.json` and
    /// `chaos-timeline.svg` to `out`, and returns the report.
    public func run() async throws -> ChaosReport {
        try options.validate()
        let files = try FerryFiles(directory: FileManager.default.temporaryDirectory
            .appendingPathComponent("ferry-chaos-\(UUID().uuidString.prefix(8))"))
        let callLog = files.callLog.path
        let logPath = files.log.path

        var config = HTTPClient.Configuration()
        // Open loop: outstanding requests pile up while Ferry restarts.
        config.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 1024
        config.timeout.connect = .seconds(5)
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
        var server: ModelServerProcess?
        var control: FerryControl?
        defer {
            // Whatever happened, leave nothing running.
            if let ferry = control?.ferry, ferry.isRunning {
                let children = ferry.state?.childPids ?? []
                kill(ferry.pid, SIGKILL)
                for pid in children { kill(pid, SIGKILL) }
            }
            server?.kill()
        }
        do {
            var arguments = ["--strategy", options.strategy, "--unit-ms", "\(options.unitMs)", "--heartbeat-timeout-s", "5"]
            if options.backend == .http {
                let s = ModelServerProcess(script: modelServerScript(), port: try FreePort.find(), unitMs: options.unitMs,
                                           log: try files.appendingLog())
                server = s
                try s.start()
                try await s.waitUp(http: http)
                arguments += ["--backend", "http", "--upstream", "http://127.0.0.1:\(s.port)"]
                say("model server up on port \(s.port) (pid \(s.pid ?? 0))")
            }
            let port = try FreePort.find()
            let started = try FerryControl(supervisorPath: supervisorPath(), arguments: arguments, port: port, files: files,
                                           http: http, modelServer: server)
            control = started
            try await started.ferry.waitReady(http: http)
            say("Ferry ready on port \(port) (supervisor pid \(started.ferry.pid)); files in \(files.directory.path)")
            let (report, records) = try await soak(control: started, http: http, callLog: callLog)
            try await http.shutdown()
            try write(report, records: records, logPath: logPath, callLog: callLog)
            files.remove()
            return report
        } catch {
            try? await http.shutdown()
            say("stopped early; Ferry's log is in \(logPath)")
            throw error
        }
    }

    private func soak(control: FerryControl, http: HTTPClient, callLog: String) async throws -> (ChaosReport, [RequestRecord]) {
        let clock = SoakClock()
        let ledger = ChaosLedger()
        let sender = ChaosSender(http: http, base: "http://127.0.0.1:\(control.port)", timeout: .seconds(Int64(options.requestTimeoutS)),
                                 ledger: ledger, clock: clock)
        let stop = StopFlag()
        let plan = ChaosTraffic(seed: options.seed, rate: options.rate, clients: options.clients)
        let traffic = Task { await Self.traffic(plan, sender: sender, clock: clock, stop: stop) }
        let faultCount = Counter()
        let say = self.say
        let progress = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(5))
                if Task.isCancelled { break }
                let (sent, answered, ok, failed) = await (ledger.sentCount, ledger.answered, ledger.ok, ledger.failed)
                say("\(FaultInjector.stamp(Double(clock.nowNs()) / 1e6))  sent \(sent), answered \(answered) (200: \(ok)), transport errors \(failed), faults \(faultCount.value)")
            }
        }
        let schedule = FaultSchedule(seed: options.seed, kinds: options.faults, durationMs: Int(options.durationS * 1000),
                                     httpBackend: options.backend == .http, coverAllKinds: options.coverAllKinds)
        let injector = FaultInjector(control: control, clock: clock, say: say)
        var faults: [FaultRecord] = []
        let durationNs = Int64(options.durationS * 1e9)
        for (i, plan) in schedule.events.enumerated() {
            let due = ContinuousClock.now + .milliseconds(plan.gapMs)
            while ContinuousClock.now < due {
                _ = try await control.reviveIfExited(atMs: Double(clock.nowNs()) / 1e6)
                try await Task.sleep(for: .milliseconds(min(100, max(1, Int((due - ContinuousClock.now) / .milliseconds(1))))))
            }
            let coverRound = options.coverAllKinds && i < options.faults.count
            guard clock.nowNs() < durationNs || coverRound else { break }
            _ = try await control.reviveIfExited(atMs: Double(clock.nowNs()) / 1e6)
            faults.append(try await injector.inject(plan))
            faultCount.increment()
        }
        while clock.nowNs() < durationNs {
            _ = try await control.reviveIfExited(atMs: Double(clock.nowNs()) / 1e6)
            try await Task.sleep(for: .milliseconds(100))
        }
        stop.set()
        let endNs = clock.nowNs()
        say("\(FaultInjector.stamp(Double(endNs) / 1e6))  faults done; waiting for every outstanding request (at most \(Int(options.requestTimeoutS)) s)")
        await traffic.value
        progress.cancel()
        _ = try await control.reviveIfExited(atMs: Double(clock.nowNs()) / 1e6)
        // The final stop is part of the test: a drain that loses work or hangs is a finding.
        var exits = control.unexpectedExits
        let ferry = control.ferry
        let children = ferry.state?.childPids ?? []
        let status = await ferry.stop(signal: SIGTERM, within: 60)
        if status != 0 {
            exits.append(status.map { "the final SIGTERM stop exited with status \($0), not 0" } ?? "the final SIGTERM stop did not exit within 60 s")
        }
        let left = await Pids.waitGone(children, within: 10)
        if !left.isEmpty {
            exits.append("children \(left) still alive after the final stop (killed)")
            for pid in left { kill(pid, SIGKILL) }
        }
        let records = await ledger.records
        for i in faults.indices {
            if let t = faults[i].targets.first(where: { $0.name == FaultSchedule.modelServer }) {
                faults[i].modelServerUpMs = control.outages.upMs(after: t.atMs)
            }
        }
        let report = ChaosReport(options: options, records: records, faults: faults, callLog: BackendCallLog(path: callLog),
                                 supervisorExits: exits, durationMs: Double(endNs) / 1e6)
        try writeTimeline(records: records, report: report)
        return (report, records)
    }

    /// Each client sends on its own Poisson schedule until told to stop;
    /// returns when every request it sent has its outcome.
    static func traffic(_ traffic: ChaosTraffic, sender: ChaosSender, clock: SoakClock, stop: StopFlag) async {
        await withTaskGroup(of: Void.self) { clients in
            for client in traffic.clients {
                clients.addTask {
                    var client = client
                    await withTaskGroup(of: Void.self) { requests in
                        while true {
                            let request = client.next()
                            try? await Task.sleep(until: clock.instant(atNs: request.atNs), clock: .continuous)
                            if stop.isSet { break }
                            requests.addTask { await sender.send(request) }
                        }
                    }
                }
            }
        }
    }

    func supervisorPath() -> String {
        options.supervisorPath ?? "\(StrategyLocator.executableDirectory())/supervisor"
    }

    func modelServerScript() -> String {
        if let path = options.modelServerPath { return path }
        let local = "Benchmarks/upstream/model_server.py"
        if FileManager.default.fileExists(atPath: local) { return local }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("upstream/model_server.py").path
    }

    private func write(_ report: ChaosReport, records: [RequestRecord], logPath: String, callLog: String) throws {
        try FileManager.default.createDirectory(atPath: options.out, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(report).write(to: URL(fileURLWithPath: "\(options.out)/chaos.json"))
        // Every request's history, one JSON object a line, for reading a finding request by request.
        let lines = Self.lines(records)
        try lines.write(toFile: "\(options.out)/requests.jsonl", atomically: true, encoding: .utf8)
        // Ferry's own log and the call log, for reading a failure after the run.
        for (from, name) in [(logPath, "supervisor.log"), (callLog, "calls.jsonl")] {
            let to = "\(options.out)/\(name)"
            try? FileManager.default.removeItem(atPath: to)
            try? FileManager.default.copyItem(atPath: from, toPath: to)
        }
        say("wrote \(options.out)/chaos.json, chaos-timeline.svg, requests.jsonl, supervisor.log, calls.jsonl")
    }

    static func lines(_ records: [RequestRecord]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return records.compactMap { try? encoder.encode($0) }.map { String(decoding: $0, as: UTF8.self) + "\n" }.joined()
    }

    private func writeTimeline(records: [RequestRecord], report: ChaosReport) throws {
        try FileManager.default.createDirectory(atPath: options.out, withIntermediateDirectories: true)
        let svg = Charts.timeline(records: records, faults: report.faults, durationMs: max(report.durationMs, Double(records.compactMap(\.answeredNs).max() ?? 0) / 1e6),
                                  title: "chaos — seed \(options.seed), \(options.backend.rawValue) backend, \(report.faults.count) faults")
        try svg.write(toFile: "\(options.out)/chaos-timeline.svg", atomically: true, encoding: .utf8)
    }
}
