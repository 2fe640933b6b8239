import OpenInference

/// Everything the ingress process needs to know.
public struct IngressConfiguration: Sendable {
    /// Bounds on what one request may carry.
    public struct Limits: Sendable {
        /// Largest accepted request body.
        public var maxBodyBytes: Int = 1 << 20
        /// Longest accepted `sequence`, in characters (each model has its own for its tensors).
        public var maxSequenceLength: Int = 100_000
        /// Deadline for requests without `X-Timeout-Ms`; 0 means none.
        public var defaultTimeoutMs: UInt32 = 0
        /// Requests per second per client (token bucket); 0 means no limit.
        public var clientRate: Double = 0
        /// Seconds before an idle or stalled connection is closed.
        public var idleTimeoutSeconds: Int64 = 30
        /// Seconds between performance log lines.
        public var performanceLogSeconds: Int = 5
        public init() {}
    }

    public var host: String
    public var port: Int
    /// The gRPC face's port (the Open Inference Protocol and grpc.health.v1).
    public var grpcPort: Int = 8001
    public var schedulerSocket: String
    public var controlSocket: String?
    public var limits: Limits
    /// When set, every request needs a key, and the key names the client.
    public var apiKeys: APIKeys?
    /// The models served over the Open Inference Protocol, in configuration order.
    public var models: [ServedModel] = [ServedModel(metadata: .classifier())]
    /// The model `POST /proxy_classify` is a route onto (the seed's classifier).
    public var proxyModel = "classifier"

    public init(host: String = "127.0.0.1", port: Int = 8000, schedulerSocket: String, controlSocket: String? = nil,
                limits: Limits = .init(), apiKeys: APIKeys? = nil) {
        self.host = host
        self.port = port
        self.schedulerSocket = schedulerSocket
        self.controlSocket = controlSocket
        self.limits = limits
        self.apiKeys = apiKeys
    }
}
