import AsyncHTTPClient
import Foundation
import Testing
import TestSupport

/// Every strategy, loaded by the real scheduler process, serves real traffic.
@Suite(.serialized) struct StrategiesLiveTests {
    func serve(_ strategy: String, config: [String] = []) async throws {
        let ferry = try FerryInstance(arguments: ["--strategy", strategy, "--unit-ms", "0.02"] + config)
        try await SeedClient.withHTTPClient { http in
            try await ferry.waitUntilReady(client: http)
            let (a, b) = SeedClient.seedTexts(seed: 99)
            async let answersA = SeedClient.burst(Array(a.prefix(30)) + ["def g(): pass"], client: "A", via: http, base: ferry.baseURL)
            async let answersB = SeedClient.burst(Array(b.prefix(6)), client: "B", via: http, base: ferry.baseURL)
            let answers = try await answersA + answersB
            #expect(answers.count == 37)
            for answer in answers {
                #expect(answer.status == 200, "\(strategy): \(answer.text): \(answer.body)")
                #expect(answer.body == "{\"result\":\"\(SeedClient.expectedLabel(answer.text))\"}")
            }
            let calls = try ferry.calls()
            #expect(calls.reduce(0) { $0 + $1.items } == 37, "\(strategy): every request ran exactly once")
            #expect(!ferry.log.contains("dispatching oldest-first instead"), "\(strategy) had an answer refused")
            #expect(try await ferry.stop() == 0)
        }
    }

    @Test(arguments: ["fifo", "batch", "timed", "sjf", "priority", "fair", "edf", "optimal"])
    func everyBuiltinStrategyServes(name: String) async throws {
        try await serve("plugins/\(name).so")
    }

    @Test func strategyOptionsReachThePlugin() async throws {
        try await serve("plugins/fair.so", config: ["--strategy-config", "weights=A:2;B:1"])
        let ferry = try FerryInstance(arguments: ["--strategy", "plugins/sjf.so", "--strategy-config", "aging=5"])
        #expect(try await ferry.waitForExit() == 2)
        #expect(ferry.log.contains("unknown config key 'aging'") && ferry.log.contains("aging_ms"))
    }

    /// The README's "Write your own strategy — In C" steps, as written.
    @Test func theCExampleBuildsWithTheDocumentedCommandAndServes() async throws {
        let readme = try String(contentsOf: Repository.root.appendingPathComponent("README.md"), encoding: .utf8)
        let command = try #require(readme.split(separator: "\n").first { $0.hasPrefix("cc -shared") && $0.contains("batch_c") })
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = ["-c", String(command)]
        shell.currentDirectoryURL = Repository.root
        try shell.run()
        shell.waitUntilExit()
        #expect(shell.terminationStatus == 0, "\(command)")
        let plugin = Repository.root.appendingPathComponent("plugins/batch_c.so").path
        #expect(FileManager.default.fileExists(atPath: plugin))
        try await serve(plugin)
    }

    @Test func aMisbehavingPluginIsOverriddenAndEveryRequestAnsweredOnce() async throws {
        let plugin = try CFixture.compile("misbehaving")
        let ferry = try FerryInstance(arguments: ["--strategy", plugin, "--strategy-config", "mode=duplicate", "--unit-ms", "0.02"])
        try await SeedClient.withHTTPClient { http in
            try await ferry.waitUntilReady(client: http)
            let texts = (0..<30).map { String(repeating: "m", count: 5 + $0 % 10) }
            let answers = try await SeedClient.burst(texts, client: "A", via: http, base: ferry.baseURL)
            #expect(answers.allSatisfy { $0.status == 200 })
            #expect(try ferry.calls().reduce(0) { $0 + $1.items } == 30)
            #expect(await ferry.logContains("strategy misbehaving returned id") && ferry.log.contains("twice"))
            #expect(try await ferry.stop() == 0)
        }
    }
}
