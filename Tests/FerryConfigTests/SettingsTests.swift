import FerryConfig
import Foundation
import Testing

@Suite struct SettingsTests {
    /// The example config shipped in the repository, found from this file.
    static let examplePath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Sources/FerryConfig/ferry.example.toml").standardizedFileURL.path

    @Test func theExampleConfigLoadsAndValidates() throws {
        var s = Settings()
        try s.load(file: Self.examplePath)
        try s.validate()
        #expect(s.strategy == "plugins/sjf.so")
        #expect(s.strategyConfig == "aging_ms=1000")
        #expect(s.port == 8000 && s.batchLimit == 5 && s.maxQueued == 10_000)
        let example = try String(contentsOfFile: Self.examplePath, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        let portLine = try #require(example.firstIndex { $0.hasPrefix("port = 8000") }) + 1
        #expect(s.origins["server.port"] == "\(Self.examplePath):\(portLine)")
    }

    @Test func flagsWinOverTheFileAndTheFileOverDefaults() throws {
        var s = Settings()
        try s.load(toml: """
            [server]
            port = 9000
            host = "0.0.0.0"
            [backend]
            batch_limit = 8
            """, file: "ferry.toml")
        s.override(\.port, with: 9100)        // a flag given
        s.override(\.host, with: nil)         // a flag not given
        s.override(\.upstream, with: [])      // a repeatable flag not given
        try s.validate()
        #expect(s.port == 9100 && s.origins["server.port"] == "--port")
        #expect(s.host == "0.0.0.0" && s.origins["server.host"] == "ferry.toml:3")
        #expect(s.batchLimit == 8 && s.origins["backend.batch_limit"] == "ferry.toml:5")
        #expect(s.concurrency == 1 && s.origins["backend.concurrency"] == nil)  // the default
    }

    @Test func anUnknownKeyIsNamedWithItsLine() {
        var s = Settings()
        let error = #expect(throws: ConfigError.self) {
            try s.load(toml: "[backend]\nbatch_limit = 5\nbatch_limt = 6\n", file: "ferry.toml")
        }
        #expect(error?.origin == "ferry.toml:3")
        #expect(error?.key == "backend.batch_limt")
        #expect(error?.description.contains("is not a known key; [backend] takes kind, batch_limit") == true)
    }

    @Test func anUnknownSectionIsNamedWithItsLine() {
        var s = Settings()
        let error = #expect(throws: ConfigError.self) { try s.load(toml: "# ferry\n\n[bakend]\nport = 1\n", file: "f.toml") }
        #expect(error?.description.hasPrefix("f.toml:3: bakend is not a known section") == true)
    }

    @Test func aValueOfTheWrongTypeIsNamedWithItsLine() {
        var s = Settings()
        let error = #expect(throws: ConfigError.self) { try s.load(toml: "[server]\nport = \"8000\"\n", file: "ferry.toml") }
        #expect(error?.description == "ferry.toml:2: server.port must be a whole number, got a string (\"8000\")")
    }

    @Test func aValueOutOfRangeIsNamedWithItsLineOrFlag() throws {
        var s = Settings()
        try s.load(toml: "[server]\nport = 70000\n", file: "ferry.toml")
        #expect(throws: ConfigError(origin: "ferry.toml:2", key: "server.port", problem: "must be between 0 and 65535, got 70000")) {
            try s.validate()
        }
        s.override(\.port, with: 8000)
        s.override(\.batchLimit, with: 0)
        let error = #expect(throws: ConfigError.self) { try s.validate() }
        #expect(error?.description == "--batch-limit (backend.batch_limit) must be at least 1, got 0")
    }

    @Test func aChoiceOutsideItsValuesIsRefused() throws {
        var s = Settings()
        try s.load(toml: "[logging]\nformat = \"xml\"\n", file: "ferry.toml")
        let error = #expect(throws: ConfigError.self) { try s.validate() }
        #expect(error?.description == "ferry.toml:2: logging.format must be one of \"text\", \"json\", got \"xml\"")
    }

    @Test func httpNeedsAnUpstream() throws {
        var s = Settings()
        try s.load(toml: "[backend]\nkind = \"http\"\n", file: "ferry.toml")
        let error = #expect(throws: ConfigError.self) { try s.validate() }
        #expect(error?.origin == "ferry.toml:2" && error?.key == "backend.kind")
        try s.load(toml: "[backend]\nupstreams = [\"http://127.0.0.1:8001\", \"http://127.0.0.1:8002\"]\n", file: "more.toml")
        try s.validate()
        #expect(s.upstream.count == 2)
    }

    @Test func aPipelineNeedsAnUpstreamThatQueues() throws {
        var s = Settings()
        try s.load(toml: "[backend]\npipeline = 1\n", file: "ferry.toml")
        let error = #expect(throws: ConfigError.self) { try s.validate() }
        #expect(error?.origin == "ferry.toml:2" && error?.key == "backend.pipeline")
        #expect(error?.problem.contains("the simulated backend has no queue") == true, "\(error?.problem ?? "")")
        try s.load(toml: "[backend]\nkind = \"oip\"\nupstreams = [\"grpc://127.0.0.1:8001\"]\n", file: "more.toml")
        try s.validate()
        #expect(s.pipeline == 1)
        s.override(\.upstream, with: ["grpc://127.0.0.1:8001", "grpc://127.0.0.1:8002"])
        let several = #expect(throws: ConfigError.self) { try s.validate() }
        #expect(several?.key == "backend.pipeline" && several?.problem.contains("with 2 upstreams") == true, "\(several?.problem ?? "")")
        s.override(\.upstream, with: ["grpc://127.0.0.1:8001"])
        s.override(\.pipeline, with: 65)
        #expect(throws: ConfigError(origin: "--pipeline", key: "backend.pipeline", problem: "must be between 0 and 64, got 65")) { try s.validate() }
    }

    @Test func brokenTOMLNamesTheLine() {
        var s = Settings()
        let error = #expect(throws: ConfigError.self) { try s.load(toml: "[server]\nport = = 1\n", file: "ferry.toml") }
        #expect(error?.origin == "ferry.toml:2" && error?.description.contains("not valid TOML") == true)
    }

    @Test func strategyOptionsMayBeATable() throws {
        var s = Settings()
        try s.load(toml: """
            [strategy]
            path = "plugins/fair.so"
            options = { weights = { A = 2, B = 1 } }
            """, file: "ferry.toml")
        #expect(s.strategyConfig == "weights=A:2;B:1")
        try s.load(toml: "[strategy.options]\nhigh_clients = [\"A\", \"B\"]\nshort_cost = 12\n", file: "p.toml")
        #expect(s.strategyConfig == "high_clients=A;B,short_cost=12")
        let error = #expect(throws: ConfigError.self) { try s.load(toml: "[strategy.options]\nx = \"a b\"\n", file: "q.toml") }
        #expect(error?.key == "strategy.options")
    }

    @Test func printedConfigLoadsBackToTheSameSettings() throws {
        var s = Settings()
        try s.load(file: Self.examplePath)
        s.override(\.port, with: 9001)
        s.override(\.upstream, with: ["http://127.0.0.1:8001"])
        s.override(\.apiKeysFile, with: "/etc/hostname")
        let printed = s.toml()
        #expect(printed.contains("port = 9001  # --port"))
        #expect(printed.contains("batch_limit = 5  # \(Self.examplePath):"))
        #expect(printed.contains("# max_queued_per_client =  (not set; flag --max-queued-per-client)"))
        var again = Settings()
        try again.load(toml: printed, file: "printed.toml")
        try again.validate()
        #expect(again.toml().replacingOccurrences(of: "printed.toml:", with: "") .split(separator: "\n").map { $0.prefix { $0 != "#" } }
                == printed.split(separator: "\n").map { $0.prefix { $0 != "#" } })
    }

    @Test func everyKeyHasAFlagAndAppearsInTheExample() throws {
        let example = try String(contentsOfFile: Self.examplePath, encoding: .utf8)
        let printed = Settings().toml()
        for line in printed.split(separator: "\n") where !line.hasPrefix("[") && !line.hasPrefix("# Ferry") {
            let body = line.hasPrefix("# ") ? line.dropFirst(2) : line
            let key = body.prefix { $0 != " " }
            #expect(example.contains("\(key) ="), "the example config lacks \(key)")
        }
    }
}

@Suite struct SettingsHelpTests {
    @Test func helpNamesTheDefaultAndTheConfigKey() {
        #expect(Settings.help("Most items a call.", \.batchLimit) == "Most items a call (default 5; config key backend.batch_limit).")
    }

    /// A key resolved at start-up says so, not what `Settings()` holds.
    @Test func aKeyResolvedAtStartUpSaysWhatItBecomes() {
        let text = Settings.help("Calls sent ahead.", \.pipeline, resolvedDefault: "1 for one http or oip upstream, else 0")
        #expect(text == "Calls sent ahead (default 1 for one http or oip upstream, else 0; config key backend.pipeline).")
    }
}
