import Prometheus
import Synchronization

/// The worker's Prometheus samples: calls by model and outcome and, for the http
/// backend, every try at each upstream by result. Sent to the scheduler,
/// which passes them on to ingress's `/metrics`.
///
/// Thread-safe (the registry, the counters and the cache lock): the http
/// backend records tries from its own tasks. Each counter is made once and
/// kept: the registry's `makeCounter` validates the name and help text and
/// looks the labels up on every call, which `perf` showed was a tenth of the
/// worker's time per batch on a zero-cost backend.
public final class WorkerMetrics: Sendable {
    /// How a batch ended, as the `outcome` label says it.
    enum CallOutcome: String, CaseIterable {
        case ok, failed, refused
    }

    private let registry = PrometheusCollectorRegistry()
    /// The counters made so far, by metric name and label values.
    private let made = Mutex<[[String]: Counter]>([:])

    /// `models`' counters start at 0, so each shows before its first call.
    public init(models: [String] = ["classifier"]) {
        for model in models {
            for outcome in CallOutcome.allCases { _ = counter(model: model, outcome) }
        }
    }

    /// `metric`'s counter for `labels`, made (by `name`) on first use, under
    /// the lock: one counter per key even when two tasks ask at once.
    private func counter(_ metric: String, _ labels: [(String, String)], _ name: () -> MetricNameDescriptor) -> Counter {
        let key = [metric] + labels.map(\.1)
        return made.withLock { made in
            if let counter = made[key] { return counter }
            let counter = registry.makeCounter(descriptor: name(), labels: labels)
            made[key] = counter
            return counter
        }
    }

    private func counter(model: String, _ outcome: CallOutcome) -> Counter {
        counter("worker_calls", [("model", model), ("outcome", outcome.rawValue)]) {
            MetricNameDescriptor(namespace: "ferry", metricName: "worker_calls", unitName: "total",
                                 helpText: "Batches the worker ran (ok, failed) or refused (over its limits, or for a model it does not serve)")
        }
    }

    /// One batch of `model` ended with `outcome`.
    func call(model: String, _ outcome: CallOutcome) {
        counter(model: model, outcome).increment()
    }

    /// One try at `upstream` ended with `result` ("ok", "retryable", "unreachable", "final").
    func attempt(upstream: String, result: String) {
        counter("upstream_attempts", [("upstream", upstream), ("result", result)]) {
            MetricNameDescriptor(namespace: "ferry", metricName: "upstream_attempts", unitName: "total",
                                 helpText: "Tries at each upstream by result: ok, retryable (reset, timeout, 5xx), unreachable (connection refused: nothing ran), final (4xx, bad answer)")
        }.increment()
    }

    /// The samples in Prometheus text format.
    public func render() -> [UInt8] { registry.emitToBuffer() }
}
