import FerryLog

/// Every setting an operator can give Ferry, with its default.
///
/// Each one has a command-line flag and a key in the TOML config file (the
/// table is `Settings.keys`); precedence is flags > file > defaults. Values
/// are checked by `validate()`, whose errors name where the bad value came
/// from: the file and line, or the flag.
public struct Settings: Sendable, Equatable {
    // [strategy]
    public var strategy = "plugins/sjf.so"
    /// The strategy's options as `key=value,…` (the file may give a table).
    public var strategyConfig = ""

    // [server]
    public var host = "127.0.0.1"
    public var port = 8000
    /// The Open Inference Protocol over gRPC (Triton's default port).
    public var grpcPort = 8001
    public var idleTimeoutS = 30
    public var apiKeysFile: String?

    // [backend]
    public var backend = "simulated"
    public var batchLimit = 5
    public var concurrency = 1
    /// Calls sent ahead to an upstream that queues them: each of its
    /// `concurrency` calls at once may have this many more waiting there, so
    /// the next one starts the moment one ends instead of after Ferry's round
    /// trip (the scheduler's decision, the worker's hop). 0: a call is sent
    /// only when one of the `concurrency` slots is free. Left unset, the
    /// supervisor makes it 1 for one upstream (`resolvePipelines`).
    public var pipeline = 0
    public var unitMs = 1.0
    public var callMs = 0.0
    /// The terms of the backend's cost law the scheduler fits from the
    /// calls it measures (`CostTerm` names), starting from the configured law.
    public var costTerms = ["fixed", "longest_squared"]
    /// Calls the fit remembers; 0: learn nothing, the configured law stays.
    public var costWindow = 256
    /// Where the scheduler keeps each model's learned calls, for its next
    /// life to resume the law. Left unset, the supervisor makes it the
    /// runtime directory: a restarted scheduler resumes, a restarted Ferry
    /// starts from the prior.
    public var learnedCallsDir: String?
    public var upstream: [String] = []
    public var upstreamTimeoutMs = 30_000
    public var upstreamAttempts = 3
    /// For `oip`: the model Ferry calls on the upstream servers, its input
    /// and output tensors (BYTES: the served model is the text classifier),
    /// and one row's shape ("1": [N, 1]; "": [N]).
    public var upstreamModel = "classifier"
    public var upstreamInput = "TEXT"
    public var upstreamOutput = "LABEL"
    public var upstreamRowShape = "1"
    public var workerCallLog: String?
    /// Simulated backend: the worker crashes on a text containing this, as a
    /// real backend may on some input (to rehearse the failure handling).
    public var crashOn: String?

    // [limits]
    public var maxQueued = 10_000
    public var maxQueuedPerClient: Int?
    public var defaultTimeoutMs = 0
    /// "bound": a request is refused only when the queue is full;
    /// "predictive": also when the cost law predicts it would finish after its deadline.
    public var admission = "bound"
    public var clientRate = 0.0
    public var maxBodyBytes = 1 << 20
    public var maxSequenceLength = 100_000
    /// What an item's size (the cost law's input) counts in a text: "characters"
    /// (the seed's law), "words" (BERT's pre-tokens, about a tokenizer's count) or "bytes".
    public var itemSize = "characters"

    // [stream]
    /// The Redis server the stream ingress reads from (`HOST:PORT` or a Unix
    /// socket path); nil: no stream ingress.
    public var redis: String?
    /// The stream a model's requests come from (per model); nil: none.
    public var streamKey: String?
    /// Where answers go (nil: "KEY:results") and entries that keep failing
    /// (nil: "KEY:dead").
    public var streamResults: String?
    public var streamDeadLetter: String?
    /// The consumer group, and this Ferry's name in it (nil: the host name).
    public var streamGroup = "ferry"
    public var streamConsumer: String?
    /// Entries read but not yet answered, per stream: the broker holds the rest.
    public var streamInFlight = 64
    /// A consumer's entry unanswered this long is taken over (its consumer died).
    public var streamClaimIdleMs = 30_000
    /// Deliveries of one entry before it goes to the dead-letter stream.
    public var streamMaxDeliveries = 5

    // [logging]
    public var logLevel = "info"
    public var logFormat = "text"
    public var logFile: String?
    public var performanceLogS = 5

    // [supervisor]
    public var runtimeDir: String?
    public var heartbeatTimeoutS = 5.0
    public var maxRestarts = 5
    public var restartWindowS = 30.0
    public var drainGraceS = 30.0

    // [[models]]
    /// The models configured as `[[models]]` tables, in file order; empty
    /// means the seed's one model (see `servedModels`).
    public var models: [ModelSettings] = []

    /// Where each key's value came from ("ferry.toml:12", "--port"); a key
    /// absent here has its default.
    public internal(set) var origins: [String: String] = [:]

    public init() {}

    /// Sets `path` to `value` when the flag was given (`value` not nil),
    /// recording the flag as the value's origin. It sets the top-level
    /// value, so it reaches every model that does not set that key itself;
    /// a model's own value wins over the flag (it is the more specific).
    public mutating func override<Value>(_ path: WritableKeyPath<Settings, Value>, with value: Value?) {
        guard let value else { return }
        set(path, to: value)
    }

    /// Like `override`, for a setting whose default is "none".
    public mutating func override<Value>(_ path: WritableKeyPath<Settings, Value?>, with value: Value?) {
        guard let value else { return }
        set(path, to: value)
    }

    private mutating func set<Value>(_ path: WritableKeyPath<Settings, Value>, to value: Value) {
        self[keyPath: path] = value
        guard let key = Self.key(for: path) else { return }
        origins[key.name] = key.flag
        for index in models.indices where !models[index].overridden.contains(key.name) {
            models[index].settings[keyPath: path] = value
            models[index].settings.origins[key.name] = key.flag
        }
    }

    /// A repeatable flag replaces the file's list only when given at least once.
    public mutating func override(_ path: WritableKeyPath<Settings, [String]>, with values: [String]) {
        override(path, with: values.isEmpty ? nil : values)
    }

    /// Checks every value and the rules between them; the error names the
    /// first bad one and where it came from.
    public func validate() throws(ConfigError) {
        for key in Self.keys {
            if let problem = key.check(self) { throw ConfigError(origin: origin(of: key), key: key.name, problem: problem) }
        }
        // With models, the top level only gives them defaults: the rules
        // between keys hold per model (a model may bring its own upstreams).
        if models.isEmpty { try checkRules() }
        for (index, model) in models.enumerated() {
            try model.validate(index: index)
            if let first = models[..<index].firstIndex(where: { $0.name == model.name }) {
                throw ConfigError(origin: model.origin, key: "models[\(index)].name",
                                  problem: "is \(jsonQuoted(model.name)), as is models[\(first)]'s (\(models[first].origin)); names must be unique")
            }
            // One stream feeds one model: two readers in one group would split its entries between two models.
            if let key = model.settings.streamKey,
               let first = models[..<index].firstIndex(where: { $0.settings.streamKey == key && $0.settings.redis == model.settings.redis }) {
                throw ConfigError(origin: model.origin, key: "models[\(index)].stream",
                                  problem: "is \(jsonQuoted(key)), which models[\(first)] (\(models[first].name)) reads too; give each model its own stream (a top-level stream.key reaches every model that does not set its own)")
            }
        }
    }

    /// The rules between keys.
    private func checkRules() throws(ConfigError) {
        if streamKey != nil && redis == nil {
            throw ConfigError(origin: origin(of: Self.key(named: "stream.key")!), key: "stream.key",
                              problem: "names a stream but stream.redis (--redis) does not say which Redis server holds it")
        }
        if backend == "simulated" && pipeline > 0 {
            throw ConfigError(origin: origin(of: Self.key(named: "backend.pipeline")!), key: "backend.pipeline",
                              problem: "is \(pipeline), but the simulated backend has no queue of its own to send calls ahead to (only backend.kind \"http\" or \"oip\" upstreams do)")
        }
        // The worker times a call sent ahead by one server's queue: with several
        // upstreams one sent "ahead" may run at once on another, idle one.
        if pipeline > 0 && upstream.count > 1 {
            throw ConfigError(origin: origin(of: Self.key(named: "backend.pipeline")!), key: "backend.pipeline",
                              problem: "is \(pipeline) with \(upstream.count) upstreams: calls are sent ahead to one server's queue (a call sent ahead could run at once on another, idle upstream and be timed as if it had waited); give one upstream, or pipeline 0")
        }
        if backend != "simulated" && upstream.isEmpty {
            throw ConfigError(origin: origin(of: Self.key(named: "backend.kind")!), key: "backend.kind",
                              problem: "is \"\(backend)\" but no upstream is given (backend.upstreams or --upstream)")
        }
        let grpc = upstream.filter { $0.hasPrefix("grpc://") }
        if !grpc.isEmpty && (backend != "oip" || grpc.count != upstream.count) {
            throw ConfigError(origin: origin(of: Self.key(named: "backend.upstreams")!), key: "backend.upstreams",
                              problem: backend != "oip" ? "holds grpc:// URLs, which only backend.kind \"oip\" speaks"
                                                        : "mixes grpc:// and http:// URLs; one backend speaks one of them")
        }
    }

    /// "ferry.toml:12", "--port", or "default".
    func origin(of key: SettingKey) -> String { origins[key.name] ?? "default" }

    static func key(for path: PartialKeyPath<Settings>) -> SettingKey? { keys.first { $0.path == path } }
    static func key(named name: String) -> SettingKey? { keys.first { $0.name == name } }

    /// What an unset `learnedCallsDir` becomes (the supervisor's `writeSettings`).
    public static let learnedCallsDirDefault = "the runtime directory (a restarted scheduler resumes; a restarted Ferry starts from the prior)"

    /// One line for a flag's help: the default and the config-file key.
    /// `resolvedDefault` says what an unset key becomes where that is decided
    /// at start-up (`resolvePipelines`), not by `Settings()`.
    public static func help(_ text: String, _ path: PartialKeyPath<Settings>, resolvedDefault: String? = nil) -> String {
        guard let key = key(for: path) else { return text }
        let value = resolvedDefault.map { "default \($0)" } ?? key.render(Settings()).map { "default \($0)" } ?? "default: none"
        let sentence = text.hasSuffix(".") ? String(text.dropLast()) : text
        return "\(sentence) (\(value); config key \(key.name))."
    }
}
