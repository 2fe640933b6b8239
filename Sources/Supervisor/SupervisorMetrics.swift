import Prometheus

/// The supervisor's Prometheus samples: restarts and readiness of each
/// child. Sent to the ingress over the control socket whenever they change,
/// and served there on `/metrics`.
final class SupervisorMetrics {
    private let registry = PrometheusCollectorRegistry()
    private var restarts: [String: Counter] = [:]
    private var up: [String: Gauge] = [:]

    init(children: [String]) {
        let restartsName = MetricNameDescriptor(namespace: "ferry", metricName: "child_restarts", unitName: "total",
                                                helpText: "Restarts of each child process by the supervisor")
        let upName = MetricNameDescriptor(namespace: "ferry", metricName: "child", unitName: "up",
                                          helpText: "1 while the child process is running and ready, else 0")
        for child in children {
            restarts[child] = registry.makeCounter(descriptor: restartsName, labels: [("child", child)])
            up[child] = registry.makeGauge(descriptor: upName, labels: [("child", child)])
        }
    }

    func restarted(_ child: String) { restarts[child]?.increment() }

    func ready(_ child: String, _ isReady: Bool) { up[child]?.set(to: isReady ? 1.0 : 0.0) }

    /// The samples in Prometheus text format.
    func render() -> [UInt8] { registry.emitToBuffer() }
}
