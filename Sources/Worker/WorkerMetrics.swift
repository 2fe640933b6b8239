import Prometheus

/// The worker's Prometheus samples: calls by model and outcome and, for the http
/// backend, every try at each upstream by result. Sent to the scheduler,
/// which passes them on to ingress's `/metrics`.
///
/// Thread-safe (the registry and counters lock): the http backend records
/// tries from its own tasks.
public final class WorkerMetrics: Sendable {
    /// How a batch ended, as the `outcome` label says it.
    enum CallOutcome: String, CaseIterable {
        case ok, failed, refused
    }

    private let registry = PrometheusCollectorRegistry()

    /// `models`' counters start at 0, so each shows before its first call.
    public init(models: [String] = ["classifier"]) {
        for model in models {
            for outcome in CallOutcome.allCases { _ = counter(model: model, outcome) }
        }
    }

    private func counter(model: String, _ outcome: CallOutcome) -> Counter {
        let name = MetricNameDescriptor(namespace: "ferry", metricName: "worker_calls", unitName: "total",
                                        helpText: "Batches the worker ran (ok, failed) or refused (over its limits, or for a model it does not serve)")
        return registry.makeCounter(descriptor: name, labels: [("model", model), ("outcome", outcome.rawValue)])
    }

    /// One batch of `model` ended with `outcome` (the registry hands back the
    /// counter it has for these labels).
    func call(model: String, _ outcome: CallOutcome) {
        counter(model: model, outcome).increment()
    }

    /// One try at `upstream` ended with `result` ("ok", "retryable", "unreachable", "final").
    /// The registry returns the counter it already has for these labels; the
    /// look-up is nothing next to the HTTP call it counts.
    func attempt(upstream: String, result: String) {
        let name = MetricNameDescriptor(namespace: "ferry", metricName: "upstream_attempts", unitName: "total",
                                        helpText: "Tries at each upstream by result: ok, retryable (reset, timeout, 5xx), unreachable (connection refused: nothing ran), final (4xx, bad answer)")
        registry.makeCounter(descriptor: name, labels: [("upstream", upstream), ("result", result)]).increment()
    }

    /// The samples in Prometheus text format.
    public func render() -> [UInt8] { registry.emitToBuffer() }
}
