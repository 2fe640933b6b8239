import FerryConfig

extension IngressConfiguration {
    /// The ingress's wiring from the supervisor, the rest from the settings
    /// (reading the API keys file, when one is set).
    public init(settings s: Settings, schedulerSocket: String, controlSocket: String?) throws {
        var limits = Limits()
        limits.maxBodyBytes = s.maxBodyBytes
        limits.maxSequenceLength = s.maxSequenceLength
        limits.maxRowsPerRequest = s.maxQueuedPerClient.map { min($0, s.maxQueued) } ?? s.maxQueued
        limits.defaultTimeoutMs = UInt32(clamping: s.defaultTimeoutMs)
        limits.clientRate = s.clientRate
        limits.idleTimeoutSeconds = Int64(s.idleTimeoutS)
        limits.performanceLogSeconds = max(1, s.performanceLogS)
        self.init(host: s.host, port: s.port, schedulerSocket: schedulerSocket, controlSocket: controlSocket, limits: limits,
                  apiKeys: try s.apiKeysFile.map { try APIKeys(file: $0) })
        grpcPort = s.grpcPort
    }
}
