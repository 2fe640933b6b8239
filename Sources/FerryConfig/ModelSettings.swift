/// One model Ferry serves: its name and version, the tensors its clients
/// send and get, and everything that is per model — its queue limits, its
/// strategy and options, its cost law, its backend and upstreams.
///
/// Configured as `[[models]]` tables; a model inherits every top-level
/// setting it does not set itself (a flag given on the command line sets
/// the top-level value, so it reaches every model that does not set that
/// key). With no `[[models]]` Ferry serves one model, `classifier`, from the
/// top-level settings: the seed's setup.
public struct ModelSettings: Sendable, Equatable {
    /// The name clients use (`/v2/models/{name}`, the gRPC `model_name`).
    public var name: String
    /// The one version served ("1" unless set).
    public var version: String
    /// The input tensor clients send (BYTES: one text per element).
    public var input: String
    /// The output tensor they get back (BYTES: one label per element).
    public var output: String
    /// The tensors' datatypes, as the protocol names them ("BYTES", "FP32",
    /// "INT64", …). Anything but BYTES passes through to an `oip` backend:
    /// each row's raw elements go up, the answer's rows come back.
    public var inputDatatype = "BYTES"
    public var outputDatatype = "BYTES"
    /// One row's shape after the batch dimension (`[384]`: rows of 384
    /// elements; -1 a dimension of any size); empty: one element a row.
    public var inputShape: [Int] = []
    public var outputShape: [Int] = []
    /// The top-level settings with this model's own keys applied: its
    /// strategy, backend, batch limit, queue limits and cost law.
    public var settings: Settings
    /// The setting keys (`backend.batch_limit`) this model sets itself, in
    /// the order its table gave them; the rest follow the top level.
    public var overridden: [String]
    /// Where the model's table starts ("ferry.toml:12"), for errors.
    public var origin: String

    /// The seed's model: `classifier`, TEXT in, LABEL out, on `settings`.
    public static func classifier(_ settings: Settings) -> ModelSettings {
        ModelSettings(name: "classifier", version: "1", input: "TEXT", output: "LABEL", settings: settings, overridden: [], origin: "default")
    }

    public init(name: String, version: String = "1", input: String = "TEXT", output: String = "LABEL",
                settings: Settings, overridden: [String] = [], origin: String = "default") {
        self.name = name
        self.version = version
        self.input = input
        self.output = output
        self.settings = settings
        self.overridden = overridden
        self.origin = origin
    }
}

extension Settings {
    /// The models served, in configuration order: the `[[models]]` tables,
    /// or the one seed model `classifier` when there are none. Each one's
    /// `settings` hold no models of their own.
    public var servedModels: [ModelSettings] {
        if !models.isEmpty { return models }
        var own = self
        own.models = []
        return [.classifier(own)]
    }

    /// A `[[models]]` entry that names no upstream model calls the upstream
    /// model of its own name, unless the top level names one (in a file or
    /// by `--upstream-model`), which then reaches every model that does not
    /// set its own. Done once, by the supervisor after its flags: the value
    /// becomes the model's own key, so the children's settings file carries it.
    public mutating func resolveUpstreamModels() {
        let key = "backend.model"
        guard origins[key] == nil else { return }
        resolveInModels(key) { model in
            model.settings.upstreamModel = model.name
            return "\(model.origin) (the model's name)"
        }
    }

    /// Where the operator did not set `backend.pipeline`, a model with one
    /// upstream that queues calls (`http`, `oip`) has one call sent ahead per
    /// call running — sent just before the server is predicted free, so the
    /// next call starts as one ends instead of a round trip later (+15%
    /// throughput against a server working off Ferry's CPUs, 1.25–5 ms calls;
    /// MiniLM through Triton on the same two cores: ahead at full load, within
    /// the machine's swing at half) — and the simulated
    /// backend or several upstreams none (nothing to queue at; a call sent
    /// "ahead" could run at once on another upstream). Done once, by the
    /// supervisor after its flags, like `resolveUpstreamModels`: the value
    /// becomes the model's own key, so the children's settings file carries it.
    public mutating func resolvePipelines() {
        let key = "backend.pipeline"
        guard origins[key] == nil else { return }
        guard !models.isEmpty else {
            if let depth = Self.defaultPipeline(backend: backend, upstreams: upstream.count) {
                pipeline = depth
                origins[key] = Self.defaultPipelineOrigin
            }
            return
        }
        // Each model's own value, 0 too: the top level stays 0, so a model
        // that gets none does not inherit one in the children's file.
        resolveInModels(key) { model in
            model.settings.pipeline = Self.defaultPipeline(backend: model.settings.backend, upstreams: model.settings.upstream.count) ?? 0
            return Self.defaultPipelineOrigin
        }
    }

    /// Gives `key` to every model that does not set it itself, as the
    /// model's own key (so the children's settings file carries it): `apply`
    /// sets the value and says where it came from.
    private mutating func resolveInModels(_ key: String, _ apply: (inout ModelSettings) -> String) {
        for i in models.indices where !models[i].overridden.contains(key) {
            models[i].settings.origins[key] = apply(&models[i])
            models[i].overridden.append(key)
        }
    }

    static let defaultPipelineOrigin = "default (1 for one upstream that queues calls)"

    /// `defaultPipeline` in words, for `--help`.
    public static let pipelineDefaultRule = "1 for one http or oip upstream, else 0"

    /// 1 for one `http` or `oip` upstream; nil (the plain default, 0) else.
    static func defaultPipeline(backend: String, upstreams: Int) -> Int? {
        (backend == "http" || backend == "oip") && upstreams == 1 ? 1 : nil
    }

    /// The model `name`, if served.
    public func model(named name: String) -> ModelSettings? {
        servedModels.first { $0.name == name }
    }
}
