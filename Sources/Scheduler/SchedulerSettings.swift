import CostModel
import FerryConfig
import Scheduling

extension SchedulerServer.Configuration {
    /// The scheduler's wiring from the supervisor, its limits from the settings.
    public init(settings: Settings, socketPath: String, workerPath: String, controlPath: String?, fallbackReason: String?) {
        self.init(socketPath: socketPath, workerPath: workerPath, controlPath: controlPath, maxQueued: settings.maxQueued,
                  maxQueuedPerClient: settings.maxQueuedPerClient, fallbackReason: fallbackReason,
                  costModel: .seed(unitMs: settings.unitMs, callMs: settings.callMs), learnedCallsDirectory: settings.learnedCallsDir)
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
                  predictiveAdmission: s.admission == "predictive", pipeline: s.pipeline, costSource: Self.costSource(s))
    }

    /// What a model's calls are measured on: the backend (the simulated one's
    /// law, or the upstreams and the model called there) and what an item's
    /// size counts. Calls kept for another source are not resumed.
    static func costSource(_ s: Settings) -> String {
        let backend = s.backend == "simulated"
            ? "simulated (unit_ms \(s.unitMs), call_ms \(s.callMs))"
            : "\(s.backend) \(s.upstream.sorted().joined(separator: ", ")) model \(s.upstreamModel)"
        return "\(backend); item size: \(s.itemSize)"
    }
}
