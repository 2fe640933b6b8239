import FerryConfig
import LinkUV
import Foundation
import Logging
import OpenInference

extension WorkerServer.Configuration {
    /// The worker's wiring from the supervisor, its behaviour from the settings.
    public init(settings: Settings, socketPath: String, controlPath: String?) {
        self.init(socketPath: socketPath, controlPath: controlPath, callLogPath: settings.workerCallLog)
    }
}

/// The backend the settings name (`backend.kind`), configured from them.
public enum Backends {
    /// One backend per served model, each from that model's settings.
    public static func make(models: [ModelSettings], reactor: UVReactor, logger: Logger, metrics: WorkerMetrics) throws -> [WorkerServer.Served] {
        try models.map { model in
            var modelLogger = logger
            if models.count > 1 { modelLogger[metadataKey: "model"] = "\(model.name)" }
            return WorkerServer.Served(model: model.name, backend: try make(model: model, reactor: reactor, logger: modelLogger, metrics: metrics))
        }
    }

    /// The seed's one model's backend, from the top-level settings.
    public static func make(settings: Settings, reactor: UVReactor, logger: Logger, metrics: WorkerMetrics) throws -> any Backend {
        try make(model: .classifier(settings), reactor: reactor, logger: logger, metrics: metrics)
    }

    /// `model`'s backend, from its settings; an oip backend sends its input
    /// tensor's datatype and row shape (the backend's own row shape for text).
    public static func make(model: ModelSettings, reactor: UVReactor, logger: Logger, metrics: WorkerMetrics) throws -> any Backend {
        let s = model.settings
        guard s.backend != "simulated" else {
            let simulated = SimulatedBackend(reactor: reactor, unitMs: s.unitMs, callMs: s.callMs, batchLimit: s.batchLimit, concurrency: s.concurrency)
            simulated.crashOn = s.crashOn
            return simulated
        }
        var config = UpstreamBackend.Configuration(urls: s.upstream)
        config.batchLimit = s.batchLimit
        config.concurrency = s.concurrency
        config.pipeline = s.pipeline
        config.timeoutMs = Int64(s.upstreamTimeoutMs)
        config.maxAttempts = s.upstreamAttempts
        let face: any UpstreamProtocol
        if s.backend == "http" {
            face = SeedClassifyUpstream(client: UpstreamHTTP.makeClient(config))
        } else {
            let datatype = TensorDatatype(rawValue: model.inputDatatype) ?? .bytes
            let rowShape = model.inputShape.isEmpty
                ? s.upstreamRowShape.split(separator: ",").compactMap { Int64($0.trimmingCharacters(in: .whitespaces)) }
                : model.inputShape.map(Int64.init)
            let upstream = UpstreamModel(name: s.upstreamModel, input: s.upstreamInput, output: s.upstreamOutput, datatype: datatype,
                                         rowShape: rowShape)
            face = config.urls.allSatisfy { $0.hasPrefix("grpc://") }
                ? try InferenceGRPCUpstream(urls: config.urls, model: upstream)
                : InferenceHTTPUpstream(client: UpstreamHTTP.makeClient(config), model: upstream)
        }
        return try UpstreamBackend(loop: reactor.loop, face: face, configuration: config, logger: logger, metrics: metrics)
    }
}
