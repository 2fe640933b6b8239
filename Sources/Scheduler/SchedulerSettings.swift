import CostModel
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
        let law = CostModel.seed(unitMs: s.unitMs, callMs: s.callMs)
        let terms = s.costTerms.compactMap(CostTerm.init(rawValue:))
        self.init(name: model.name, strategy: strategy, maxQueued: s.maxQueued, maxQueuedPerClient: s.maxQueuedPerClient,
                  costModel: law, learning: s.costWindow > 0 && !terms.isEmpty ? .init(terms: terms, prior: law, window: s.costWindow) : nil,
                  predictiveAdmission: s.admission == "predictive", pipeline: s.pipeline)
    }
}
