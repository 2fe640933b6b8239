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
            return WorkerServer.Served(model: model.name, backend: try make(settings: model.settings, reactor: reactor, logger: modelLogger, metrics: metrics))
        }
    }

    public static func make(settings s: Settings, reactor: UVReactor, logger: Logger, metrics: WorkerMetrics) throws -> any Backend {
        guard s.backend != "simulated" else {
            let simulated = SimulatedBackend(reactor: reactor, unitMs: s.unitMs, callMs: s.callMs, batchLimit: s.batchLimit, concurrency: s.concurrency)
            simulated.crashOn = s.crashOn
            return simulated
        }
        var config = UpstreamBackend.Configuration(urls: s.upstream)
        config.batchLimit = s.batchLimit
        config.concurrency = s.concurrency
        config.timeoutMs = Int64(s.upstreamTimeoutMs)
        config.maxAttempts = s.upstreamAttempts
        let face: any UpstreamProtocol
        if s.backend == "http" {
            face = SeedClassifyUpstream(client: UpstreamHTTP.makeClient(config))
        } else {
            let model = UpstreamModel(name: s.upstreamModel, input: s.upstreamInput, output: s.upstreamOutput, datatype: .bytes,
                                      rowShape: s.upstreamRowShape.split(separator: ",").compactMap { Int64($0.trimmingCharacters(in: .whitespaces)) })
            face = config.urls.allSatisfy { $0.hasPrefix("grpc://") }
                ? try InferenceGRPCUpstream(urls: config.urls, model: model)
                : InferenceHTTPUpstream(client: UpstreamHTTP.makeClient(config), model: model)
        }
        return try UpstreamBackend(loop: reactor.loop, face: face, configuration: config, logger: logger, metrics: metrics)
    }
}
