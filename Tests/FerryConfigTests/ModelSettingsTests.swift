import FerryConfig
import Foundation
import Testing

@Suite struct ModelSettingsTests {
    /// Two models over a top level: the first sets its batch limit, strategy
    /// and queue bound; the second its tensors, backend and strategy options.
    static let twoModels = """
        [backend]
        batch_limit = 5
        concurrency = 3
        [limits]
        max_queued = 100

        [[models]]
        name = "sentiment"
        batch_limit = 16
        strategy = "plugins/fifo.so"
        max_queued = 50

        [[models]]
        name = "toxicity"
        version = "2"
        input = "INPUT_TEXT"
        output = "SCORE"
        input_datatype = "BYTES"
        backend = "http"
        upstreams = ["http://127.0.0.1:9000"]
        [models.strategy_options]
        aging_ms = 10

        [server]
        port = 9000
        """

    static func loaded(_ toml: String) throws -> Settings {
        var s = Settings()
        try s.load(toml: toml, file: "ferry.toml")
        return s
    }

    /// The error loading `toml` throws, or nil.
    static func loadError(_ toml: String) -> ConfigError? {
        var s = Settings()
        return #expect(throws: ConfigError.self) { try s.load(toml: toml, file: "ferry.toml") }
    }

    /// The error validating `toml` throws (after it loads), or nil.
    static func validateError(_ toml: String) throws -> ConfigError? {
        let s = try loaded(toml)
        return #expect(throws: ConfigError.self) { try s.validate() }
    }

    /// Every value of `settings` (not where it came from), as the printed config has it.
    static func values(_ settings: Settings) -> [Substring] {
        settings.toml().split(separator: "\n").map { $0.prefix { $0 != "#" } }
    }

    @Test func withoutModelsTheClassifierIsServedFromTheTopLevel() throws {
        let s = try Self.loaded("[backend]\nbatch_limit = 7\n")
        try s.validate()
        #expect(s.models.isEmpty)
        let served = s.servedModels
        #expect(served.count == 1)
        let model = try #require(served.first)
        #expect(model.name == "classifier" && model.version == "1" && model.input == "TEXT" && model.output == "LABEL")
        #expect(model.settings.batchLimit == 7 && model.settings.origins["backend.batch_limit"] == "ferry.toml:2")
        #expect(model.overridden.isEmpty && model.settings.models.isEmpty)
        #expect(s.model(named: "classifier") != nil && s.model(named: "sentiment") == nil)
    }

    @Test func modelsSetTheirOwnKeysAndInheritTheRest() throws {
        let s = try Self.loaded(Self.twoModels)
        try s.validate()
        #expect(s.servedModels.map(\.name) == ["sentiment", "toxicity"])
        // The top level is untouched, and a [section] after [[models]] is the top level's again.
        #expect(s.batchLimit == 5 && s.strategy == "plugins/sjf.so" && s.maxQueued == 100 && s.backend == "simulated")
        #expect(s.port == 9000 && s.origins["server.port"] == "ferry.toml:25")

        let sentiment = try #require(s.model(named: "sentiment"))
        #expect(sentiment.origin == "ferry.toml:7" && sentiment.version == "1" && sentiment.input == "TEXT" && sentiment.output == "LABEL")
        #expect(sentiment.overridden == ["backend.batch_limit", "strategy.path", "limits.max_queued"])
        #expect(sentiment.settings.batchLimit == 16 && sentiment.settings.strategy == "plugins/fifo.so" && sentiment.settings.maxQueued == 50)
        #expect(sentiment.settings.origins["backend.batch_limit"] == "ferry.toml:9")
        #expect(sentiment.settings.origins["limits.max_queued"] == "ferry.toml:11")
        #expect(sentiment.settings.concurrency == 3 && sentiment.settings.origins["backend.concurrency"] == "ferry.toml:3")
        #expect(sentiment.settings.backend == "simulated" && sentiment.settings.models.isEmpty)
        // Sections are applied before the models, wherever they stand in the file.
        #expect(sentiment.settings.port == 9000)

        let toxicity = try #require(s.model(named: "toxicity"))
        #expect(toxicity.origin == "ferry.toml:13" && toxicity.version == "2" && toxicity.input == "INPUT_TEXT" && toxicity.output == "SCORE")
        #expect(toxicity.overridden == ["backend.kind", "backend.upstreams", "strategy.options"])
        #expect(toxicity.settings.backend == "http" && toxicity.settings.upstream == ["http://127.0.0.1:9000"])
        #expect(toxicity.settings.strategyConfig == "aging_ms=10" && toxicity.settings.origins["strategy.options"] == "ferry.toml:21")
        #expect(toxicity.settings.batchLimit == 5 && toxicity.settings.maxQueued == 100 && toxicity.settings.strategy == "plugins/sjf.so")
        #expect(toxicity.settings.origins["backend.kind"] == "ferry.toml:19")
    }

    @Test func aFlagReachesTheModelsThatDoNotSetTheKey() throws {
        var s = try Self.loaded(Self.twoModels + "\n[[models]]\nname = \"third\"\ncrash_on = \"BOOM\"\n")
        s.override(\.batchLimit, with: 8)
        s.override(\.crashOn, with: "POISON")                      // a setting without default
        s.override(\.upstream, with: ["http://127.0.0.1:7000"])    // a repeatable flag
        s.override(\.concurrency, with: nil)                       // a flag not given
        try s.validate()
        #expect(s.batchLimit == 8 && s.crashOn == "POISON")
        let (sentiment, toxicity, third) = (s.models[0], s.models[1], s.models[2])
        // The model's own value wins over the flag.
        #expect(sentiment.settings.batchLimit == 16 && sentiment.settings.origins["backend.batch_limit"] == "ferry.toml:9")
        #expect(toxicity.settings.batchLimit == 8 && toxicity.settings.origins["backend.batch_limit"] == "--batch-limit")
        #expect(third.settings.batchLimit == 8)
        #expect(sentiment.settings.crashOn == "POISON" && toxicity.settings.crashOn == "POISON" && third.settings.crashOn == "BOOM")
        #expect(sentiment.settings.upstream == ["http://127.0.0.1:7000"] && toxicity.settings.upstream == ["http://127.0.0.1:9000"])
        #expect(sentiment.settings.concurrency == 3 && sentiment.settings.origins["backend.concurrency"] == "ferry.toml:3")
        #expect(s.models.allSatisfy { $0.overridden.count == ($0.name == "third" ? 1 : 3) })  // flags are not the model's own
    }

    @Test func aLaterFileReachesTheModelsOfAnEarlierOne() throws {
        var s = try Self.loaded(Self.twoModels)
        try s.load(toml: "[backend]\nconcurrency = 4\nbatch_limit = 9\n", file: "more.toml")
        #expect(s.models.map(\.settings.concurrency) == [4, 4])
        #expect(s.models.map(\.settings.batchLimit) == [16, 9])
        #expect(s.models[1].settings.origins["backend.batch_limit"] == "more.toml:3")
    }

    @Test func aValueOutOfRangeNamesTheModelKeyAndItsLine() throws {
        let error = try Self.validateError("""
            [backend]
            batch_limit = 5

            [[models]]
            name = "a"

            [[models]]
            name = "b"
            version = "3"
            batch_limit = 0
            """)
        #expect(error == ConfigError(origin: "ferry.toml:10", key: "models[1].batch_limit", problem: "must be at least 1, got 0"))
        #expect(error?.description == "ferry.toml:10: models[1].batch_limit must be at least 1, got 0")
    }

    @Test func aValueOfTheWrongTypeNamesTheModelKeyAndItsLine() {
        let error = Self.loadError("[[models]]\nname = \"a\"\nbatch_limit = \"8\"\n")
        #expect(error?.description == "ferry.toml:3: models[0].batch_limit must be a whole number, got a string (\"8\")")
        let version = Self.loadError("[[models]]\nname = \"a\"\n\nversion = 2\n")
        #expect(version?.description == "ferry.toml:4: models[0].version must be a string, got integer 2")
        let empty = Self.loadError("[[models]]\nname = \"a\"\ninput = \"\"\n")
        #expect(empty?.description == "ferry.toml:3: models[0].input must not be empty")
    }

    @Test func aKeyInAnInlineModelFallsBackToTheLineOfModels() {
        let error = Self.loadError("# models inline\nmodels = [{ name = \"a\", batch_limit = \"x\" }]\n")
        #expect(error?.origin == "ferry.toml:2" && error?.key == "models[0].batch_limit")
    }

    @Test func anUnknownModelKeyIsNamedWithItsLine() {
        let error = Self.loadError("[[models]]\nname = \"a\"\n[[models]]\nname = \"b\"\nbatch_limt = 3\n")
        #expect(error?.origin == "ferry.toml:5" && error?.key == "models[1].batch_limt")
        #expect(error?.problem.hasPrefix("is not a known key; [[models]] takes name, version, input, output, input_datatype, output_datatype, input_shape, output_shape, strategy, strategy_options, backend, batch_limit") == true)
        #expect(error?.problem.hasSuffix("item_size, stream, stream_results, stream_dead_letter, stream_group, stream_consumer, stream_in_flight, stream_claim_idle_ms, stream_max_deliveries") == true)
    }

    @Test func aModelWithoutANameIsNamedByItsHeader() {
        let error = Self.loadError("[backend]\nbatch_limit = 5\n\n[[models]]\nname = \"a\"\n\n[[models]]\nbatch_limit = 6\n")
        #expect(error?.description == "ferry.toml:7: models[1] needs a name")
    }

    @Test func aNameIsAPlainToken() {
        let error = Self.loadError("[[models]]\nname = \"a/b\"\n")
        #expect(error?.origin == "ferry.toml:2" && error?.key == "models[0].name")
        #expect(error?.problem == "must hold only letters, digits, \"_\", \"-\" and \".\" (and not be \".\" or \"..\"), got \"a/b\"")
        #expect(Self.loadError("[[models]]\nname = \"\"\n")?.description == "ferry.toml:2: models[0].name must not be empty")
        #expect(Self.loadError("[[models]]\nname = \"..\"\n")?.key == "models[0].name")
        #expect((try? Self.loaded("[[models]]\nname = \"bert-base_v1.2\"\n"))?.models.first?.name == "bert-base_v1.2")
    }

    @Test func modelNamesAreUnique() throws {
        let error = Self.loadError("[[models]]\nname = \"a\"\n\n[[models]]\nname = \"b\"\n[[models]]\nname = \"a\"\n")
        #expect(error == ConfigError(origin: "ferry.toml:7", key: "models[2].name",
                                     problem: "is \"a\", as is models[0]'s (ferry.toml:2); names must be unique"))
        // Models built in code are checked too.
        var s = Settings()
        s.models = [ModelSettings(name: "a", settings: Settings()), ModelSettings(name: "a", settings: Settings(), origin: "x.toml:4")]
        let validated = #expect(throws: ConfigError.self) { try s.validate() }
        #expect(validated?.key == "models[1].name" && validated?.origin == "x.toml:4")
    }

    @Test func tensorsOtherThanBytesPassThroughAnOIPBackendOnly() throws {
        let error = Self.loadError("[[models]]\nname = \"a\"\ninput_datatype = \"FP33\"\n")
        #expect(error?.description.hasPrefix("ferry.toml:3: models[0].input_datatype must be one of BOOL, UINT8") == true, "\(String(describing: error))")
        #expect(Self.loadError("[[models]]\nname = \"a\"\ninput_shape = [0]\n")?.description
            == "ferry.toml:3: models[0].input_shape must hold sizes of at least 1 (or -1 for any size), got [0]")
        #expect(Self.loadError("[[models]]\nname = \"a\"\noutput_shape = \"4\"\n")?.key == "models[0].output_shape")
        let simulated = try Self.validateError("[[models]]\nname = \"a\"\ninput_datatype = \"FP32\"\n")
        #expect(simulated?.description == "ferry.toml:1: models[0].input_datatype is \"FP32\", which only backend \"oip\" passes through (backend \"simulated\" takes texts and answers labels)", "\(String(describing: simulated))")
        let oip = try Self.loaded("[[models]]\nname = \"v\"\nbackend = \"oip\"\nupstreams = [\"grpc://127.0.0.1:1\"]\ninput_datatype = \"FP32\"\ninput_shape = [4]\noutput_datatype = \"INT64\"\noutput_shape = [1]\n")
        #expect(oip.models[0].inputDatatype == "FP32" && oip.models[0].inputShape == [4] && oip.models[0].outputDatatype == "INT64" && oip.models[0].outputShape == [1])
        var again = Settings()
        try again.load(toml: oip.toml(), file: "printed.toml")
        #expect(again.models[0].inputShape == [4] && again.models[0].outputDatatype == "INT64")
        #expect(Self.loadError("[[models]]\nname = \"a\"\noutput_datatype = 1\n")?.key == "models[0].output_datatype")
        let s = try Self.loaded("[[models]]\nname = \"a\"\ninput_datatype = \"BYTES\"\noutput_datatype = \"BYTES\"\n")
        #expect(s.models.first?.overridden == [])
    }

    @Test func modelsMustBeAnArrayOfTables() {
        let table = Self.loadError("[models]\nname = \"a\"\n")
        #expect(table?.description == "ferry.toml:1: models must be an array of tables ([[models]] headers), got a table")
        let array = Self.loadError("models = [\"a\"]\n")
        #expect(array?.description == "ferry.toml:1: models must be an array of tables ([[models]] headers), got an array holding a string (\"a\")")
        #expect(Self.loadError("\nmodels = 3\n")?.origin == "ferry.toml:2")
    }

    @Test func theRulesBetweenKeysHoldPerModel() throws {
        let error = try Self.validateError("[[models]]\nname = \"a\"\nbackend = \"http\"\n")
        #expect(error?.description == "ferry.toml:3: models[0].backend is \"http\" but no upstream is given (backend.upstreams or --upstream)")
        // An inherited value that does not fit the model's own is named by the model's table.
        let inherited = try Self.validateError("""
            [backend]
            kind = "oip"
            upstreams = ["grpc://127.0.0.1:8001"]
            [[models]]
            name = "a"
            backend = "http"
            """)
        #expect(inherited?.description == "ferry.toml:4: models[0].upstreams holds grpc:// URLs, which only backend.kind \"oip\" speaks (inherited from ferry.toml:3)")
        // The top level only gives the models defaults: its kind needs no upstream when each model has its own.
        let s = try Self.loaded("[backend]\nkind = \"http\"\n[[models]]\nname = \"a\"\nupstreams = [\"http://127.0.0.1:9000\"]\n")
        try s.validate()
        // Without models the top level is the model, and its rules hold as before.
        #expect(try Self.validateError("[backend]\nkind = \"http\"\n")?.key == "backend.kind")
    }

    @Test func printedModelsLoadBackToTheSameSettings() throws {
        var s = try Self.loaded(Self.twoModels + "\n[[models]]\nname = \"third\"\ncrash_on = \"BOOM\"\nmax_queued_per_client = 4\nunit_ms = 0.5\n")
        s.override(\.batchLimit, with: 8)
        s.override(\.crashOn, with: "POISON")
        try s.validate()
        let printed = s.toml()
        #expect(printed.contains("\n[[models]]  # ferry.toml:7\nname = \"sentiment\"\nversion = \"1\"\ninput = \"TEXT\"\noutput = \"LABEL\"\nbatch_limit = 16  # ferry.toml:9\n"))
        #expect(printed.contains("strategy_options = \"aging_ms=10\"  # ferry.toml:21\n"))

        var again = Settings()
        try again.load(toml: printed, file: "printed.toml")
        try again.validate()
        try #require(again.models.count == 3)
        for (model, back) in zip(s.models, again.models) {
            #expect(back.name == model.name && back.version == model.version)
            #expect(back.input == model.input && back.output == model.output)
            #expect(back.overridden == model.overridden)
            #expect(Self.values(back.settings) == Self.values(model.settings), "\(model.name)'s settings")
        }
        #expect(again.models[2].settings.maxQueuedPerClient == 4 && again.models[2].settings.unitMs == 0.5)
        #expect(again.models[2].settings.crashOn == "BOOM" && again.models[0].settings.crashOn == "POISON")
        #expect(Self.values(again) == Self.values(s))
    }
}

@Suite struct StreamSettingsTests {
    static func load(_ toml: String) throws(ConfigError) -> Settings {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-stream-\(UUID().uuidString).toml").path
        try! Data(toml.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        var s = Settings()
        try s.load(file: path)
        try s.validate()
        return s
    }

    @Test func aStreamNeedsARedisServer() {
        #expect(throws: ConfigError.self) { try Self.load("[stream]\nkey = \"frames\"\n") }
        do { _ = try Self.load("[stream]\nkey = \"frames\"\n") } catch {
            #expect(error.key == "stream.key" && error.problem.contains("stream.redis"))
        }
    }

    @Test func redisAddressesAreChecked() throws {
        for good in ["127.0.0.1:6379", "[::1]:6379", "/run/redis.sock", "unix:///run/redis.sock", "redis://h:1"] {
            #expect(try Self.load("[stream]\nredis = \"\(good)\"\n").redis == good)
        }
        do { _ = try Self.load("[stream]\nredis = \"localhost\"\n"); Issue.record("accepted") } catch {
            #expect(error.key == "stream.redis" && error.problem.contains("HOST:PORT"))
        }
    }

    /// A top-level stream reaches every model that does not name its own:
    /// two models reading one stream is refused, naming both.
    @Test func oneStreamFeedsOneModel() throws {
        let ok = try Self.load("""
            [stream]
            redis = "127.0.0.1:6379"
            [[models]]
            name = "a"
            stream = "sa"
            [[models]]
            name = "b"
            stream = "sb"
            stream_results = "out"
            """)
        #expect(ok.models.map(\.settings.streamKey) == ["sa", "sb"])
        #expect(ok.models[1].settings.streamResults == "out")
        do {
            _ = try Self.load("""
                [stream]
                redis = "127.0.0.1:6379"
                key = "frames"
                [[models]]
                name = "a"
                [[models]]
                name = "b"
                """)
            Issue.record("two models reading one stream were accepted")
        } catch {
            #expect(error.key == "models[1].stream" && error.problem.contains("models[0] (a)"))
        }
    }
}

/// Defaults the supervisor resolves per model before it writes the children's settings file.
@Suite struct ResolvedDefaultsTests {
    static let toml = """
        [backend]
        kind = "oip"
        upstreams = ["grpc://127.0.0.1:8001"]
        [[models]]
        name = "image"
        [[models]]
        name = "argmax"
        upstream_model = "arg"
        """

    /// A model names its upstream model, or calls the one of its own name;
    /// the resolved value survives the children's settings file.
    @Test func aModelCallsTheUpstreamModelOfItsOwnName() throws {
        var s = try StreamSettingsTests.load(Self.toml)
        s.resolveUpstreamModels()
        #expect(s.models.map(\.settings.upstreamModel) == ["image", "arg"])
        #expect(try Self.asAChildLoadsIt(s).models.map(\.settings.upstreamModel) == ["image", "arg"])
    }

    /// A top-level upstream model, from the file or a flag, reaches every
    /// model that does not name its own.
    @Test func aTopLevelUpstreamModelStillReachesTheModels() throws {
        var fromFile = try StreamSettingsTests.load(Self.toml.replacingOccurrences(of: "[backend]\n", with: "[backend]\nmodel = \"shared\"\n"))
        fromFile.resolveUpstreamModels()
        #expect(fromFile.models.map(\.settings.upstreamModel) == ["shared", "arg"])
        var fromFlag = try StreamSettingsTests.load(Self.toml)
        fromFlag.override(\.upstreamModel, with: "flagged")
        fromFlag.resolveUpstreamModels()
        #expect(fromFlag.models.map(\.settings.upstreamModel) == ["flagged", "arg"])
    }

    /// Unset, the pipeline is 1 for one upstream that queues calls and 0
    /// for the simulated backend or several upstreams, per model; set, it
    /// stays; the resolved value survives the children's settings file.
    @Test func anUnsetPipelineSendsOneCallAheadToOneUpstream() throws {
        var simulated = Settings()
        simulated.resolvePipelines()
        #expect(simulated.pipeline == 0)
        try simulated.validate()
        var one = try StreamSettingsTests.load("[backend]\nkind = \"oip\"\nupstreams = [\"grpc://127.0.0.1:8001\"]\n")
        one.resolvePipelines()
        #expect(one.pipeline == 1 && one.toml().contains("pipeline = 1  # default (1 for one upstream that queues calls)"))
        try one.validate()
        var two = try StreamSettingsTests.load("[backend]\nkind = \"http\"\nupstreams = [\"http://127.0.0.1:8010\", \"http://127.0.0.1:8011\"]\n")
        two.resolvePipelines()
        #expect(two.pipeline == 0)
        try two.validate()
        var off = try StreamSettingsTests.load("[backend]\nkind = \"http\"\nupstreams = [\"http://127.0.0.1:8010\"]\npipeline = 0\n")
        off.resolvePipelines()
        #expect(off.pipeline == 0)

        var models = try StreamSettingsTests.load("""
            [[models]]
            name = "queued"
            backend = "http"
            upstreams = ["http://127.0.0.1:8010"]
            [[models]]
            name = "simulated"
            [[models]]
            name = "deeper"
            backend = "http"
            upstreams = ["http://127.0.0.1:8011"]
            pipeline = 2
            """)
        models.resolvePipelines()
        #expect(models.models.map(\.settings.pipeline) == [1, 0, 2])
        try models.validate()
        let child = try Self.asAChildLoadsIt(models)
        #expect(child.models.map(\.settings.pipeline) == [1, 0, 2])
        try child.validate()

        // A top level with one upstream reaches only the models that keep it:
        // one simulated and one with two upstreams of its own get 0, in the
        // children's file too.
        var mixed = try StreamSettingsTests.load("""
            [backend]
            kind = "http"
            upstreams = ["http://127.0.0.1:8010"]
            [[models]]
            name = "inherits"
            [[models]]
            name = "simulated"
            backend = "simulated"
            [[models]]
            name = "two"
            upstreams = ["http://127.0.0.1:8011", "http://127.0.0.1:8012"]
            """)
        mixed.resolvePipelines()
        #expect(mixed.models.map(\.settings.pipeline) == [1, 0, 0])
        try mixed.validate()
        let mixedChild = try Self.asAChildLoadsIt(mixed)
        #expect(mixedChild.models.map(\.settings.pipeline) == [1, 0, 0])
        try mixedChild.validate()
    }

    /// `settings` rendered to the children's settings file and loaded back, as a child does.
    static func asAChildLoadsIt(_ settings: Settings) throws -> Settings {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-rendered-\(UUID().uuidString).toml").path
        try settings.toml().write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var child = Settings()
        try child.load(file: path)
        return child
    }
}
