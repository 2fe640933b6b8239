import FerryConfig

extension SchedulerServer.Configuration {
    /// The scheduler's wiring from the supervisor, its limits from the settings.
    public init(settings: Settings, socketPath: String, workerPath: String, controlPath: String?, fallbackReason: String?) {
        self.init(socketPath: socketPath, workerPath: workerPath, controlPath: controlPath, maxQueued: settings.maxQueued,
                  maxQueuedPerClient: settings.maxQueuedPerClient, fallbackReason: fallbackReason,
                  costModel: .seed(unitMs: settings.unitMs, callMs: settings.callMs))
    }
}
