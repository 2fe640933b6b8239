import Prometheus

/// The worker's Prometheus samples: calls by outcome and, for the http
/// backend, every try at each upstream by result. Sent to the scheduler,
/// which passes them on to ingress's `/metrics`.
///
/// Thread-safe (the registry locks): the http backend records tries from its
/// own tasks.
public final class WorkerMetrics: Sendable {
    private let registry = PrometheusCollectorRegistry()
    // Computed: the descriptor type is not Sendable, so it is not stored.
    private var calls: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "ferry", metricName: "worker_calls", unitName: "total",
                             helpText: "Batches the worker ran (ok, failed) or refused (over its limits)")
    }
    private var attempts: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "ferry", metricName: "upstream_attempts", unitName: "total",
                             helpText: "Tries at each upstream by result: ok, retryable (refused, reset, timeout, 5xx), final (4xx, bad answer)")
    }

    public init() {
        for outcome in ["ok", "failed", "refused"] { _ = registry.makeCounter(descriptor: calls, labels: [("outcome", outcome)]) }
    }

    /// One batch ran (`ok`, `failed`) or was refused.
    func call(_ outcome: String) {
        registry.makeCounter(descriptor: calls, labels: [("outcome", outcome)]).increment()
    }

    /// One try at `upstream` ended with `result` ("ok", "retryable", "final").
    func attempt(upstream: String, result: String) {
        registry.makeCounter(descriptor: attempts, labels: [("upstream", upstream), ("result", result)]).increment()
    }

    /// The samples in Prometheus text format.
    public func render() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}
