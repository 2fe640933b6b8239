import FerryConfig
import Scheduling

extension SchedulerServer.Configuration {
    /// The scheduler's wiring from the supervisor, its limits from the settings.
    public init(settings: Settings, socketPath: String, workerPath: String, controlPath: String?, fallbackReason: String?) {
        self.init(socketPath: socketPath, workerPath: workerPath, controlPath: controlPath, maxQueued: settings.maxQueued,
                  maxQueuedPerClient: settings.maxQueuedPerClient, fallbackReason: fallbackReason,
                  costModel: .seed(unitMs: settings.unitMs, callMs: settings.callMs))
    }
}

extension SchedulerServer.Model {
    /// A served model's lane: its queue limits and cost law from its settings.
    public init(_ model: ModelSettings, strategy: any SchedulingStrategy) {
        let s = model.settings
        self.init(name: model.name, strategy: strategy, maxQueued: s.maxQueued, maxQueuedPerClient: s.maxQueuedPerClient,
                  costModel: .seed(unitMs: s.unitMs, callMs: s.callMs))
    }
}
