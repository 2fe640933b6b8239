import CostModel
import FerryConfig
import OpenInference

extension IngressConfiguration {
    /// The ingress's wiring from the supervisor, the rest from the settings
    /// (reading the API keys file, when one is set).
    public init(settings top: Settings, schedulerSocket: String, controlSocket: String?) throws {
        let served = top.servedModels
        // `/proxy_classify` is the seed's route onto its classifier, or onto the first model when none is called so.
        let proxy = served.first { $0.name == "classifier" } ?? served[0]
        let s = proxy.settings
        var limits = Limits()
        limits.maxBodyBytes = s.maxBodyBytes
        limits.maxSequenceLength = s.maxSequenceLength
        limits.defaultTimeoutMs = UInt32(clamping: s.defaultTimeoutMs)
        limits.clientRate = s.clientRate
        limits.idleTimeoutSeconds = Int64(s.idleTimeoutS)
        limits.performanceLogSeconds = max(1, s.performanceLogS)
        self.init(host: top.host, port: top.port, schedulerSocket: schedulerSocket, controlSocket: controlSocket, limits: limits,
                  apiKeys: try top.apiKeysFile.map { try APIKeys(file: $0) })
        grpcPort = top.grpcPort
        proxyModel = proxy.name
        models = served.map { model in
            let m = model.settings
            // The configuration checked the datatypes' names.
            let input = TensorDatatype(rawValue: model.inputDatatype) ?? .bytes
            let output = TensorDatatype(rawValue: model.outputDatatype) ?? .bytes
            return ServedModel(metadata: ModelMetadata(name: model.name, versions: [model.version],
                                                       inputs: [.init(name: model.input, datatype: input, shape: [-1] + model.inputShape.map(Int64.init))],
                                                       outputs: [.init(name: model.output, datatype: output, shape: [-1] + model.outputShape.map(Int64.init))]),
                               maxRows: m.maxQueuedPerClient.map { min($0, m.maxQueued) } ?? m.maxQueued,
                               maxTextLength: m.maxSequenceLength, defaultTimeoutMs: UInt32(clamping: m.defaultTimeoutMs),
                               itemSize: ItemSize(rawValue: m.itemSize) ?? .characters)
        }
    }
}
