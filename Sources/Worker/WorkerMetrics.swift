import Prometheus

/// The worker's Prometheus samples: calls by outcome and, for the http
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
    private let calls: [CallOutcome: Counter]

    public init() {
        let name = MetricNameDescriptor(namespace: "ferry", metricName: "worker_calls", unitName: "total",
                                        helpText: "Batches the worker ran (ok, failed) or refused (over its limits)")
        var calls: [CallOutcome: Counter] = [:]
        for outcome in CallOutcome.allCases {
            calls[outcome] = registry.makeCounter(descriptor: name, labels: [("outcome", outcome.rawValue)])
        }
        self.calls = calls
    }

    /// One batch ended with `outcome`.
    func call(_ outcome: CallOutcome) {
        calls[outcome]?.increment()
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
