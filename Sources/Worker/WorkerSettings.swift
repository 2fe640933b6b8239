import FerryConfig
import LinkUV
import Logging

extension WorkerServer.Configuration {
    /// The worker's wiring from the supervisor, its behaviour from the settings.
    public init(settings: Settings, socketPath: String, controlPath: String?) {
        self.init(socketPath: socketPath, controlPath: controlPath, callLogPath: settings.workerCallLog)
    }
}

/// The backend the settings name (`backend.kind`), configured from them.
public enum Backends {
    public static func make(settings s: Settings, reactor: UVReactor, logger: Logger, metrics: WorkerMetrics) throws -> any Backend {
        guard s.backend == "http" else {
            let simulated = SimulatedBackend(reactor: reactor, unitMs: s.unitMs, callMs: s.callMs, batchLimit: s.batchLimit, concurrency: s.concurrency)
            simulated.crashOn = s.crashOn
            return simulated
        }
        var config = HTTPUpstreamBackend.Configuration(urls: s.upstream)
        config.batchLimit = s.batchLimit
        config.concurrency = s.concurrency
        config.timeoutMs = Int64(s.upstreamTimeoutMs)
        config.maxAttempts = s.upstreamAttempts
        return try HTTPUpstreamBackend(loop: reactor.loop, configuration: config, logger: logger, metrics: metrics)
    }
}
