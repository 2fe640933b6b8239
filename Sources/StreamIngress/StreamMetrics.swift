import Prometheus

/// The stream ingress's Prometheus samples, per stream: entries answered,
/// dead-lettered and taken over from other consumers, and entries in flight.
/// Sent to the supervisor, which passes them on to the ingress's `/metrics`.
final class StreamMetrics {
    enum Outcome: String, CaseIterable {
        /// Answer written to the results stream and the entry acknowledged.
        case answered
        /// Written to the dead-letter stream and acknowledged.
        case deadLettered = "dead_lettered"
        /// Another consumer had taken the entry over; its answer was dropped here.
        case lost
    }

    private let registry = PrometheusCollectorRegistry()
    /// Counters and gauges made so far, by metric and label values: the
    /// registry's `make…` validates the name and looks the labels up each
    /// time, too much to pay per entry.
    private var counters: [[String]: Counter] = [:]
    private var gauges: [[String]: Gauge] = [:]

    /// Every stream's counters start at 0, so each shows before its first entry.
    init(streams: [StreamConfig]) {
        for s in streams {
            for outcome in Outcome.allCases { _ = counter(s, outcome) }
            _ = claims(s)
            inFlight(s, 0)
        }
    }

    /// The counter for `key` (metric and label values), made by `make` on first use.
    private func counter(_ key: [String], _ make: () -> Counter) -> Counter {
        if let made = counters[key] { return made }
        let made = make()
        counters[key] = made
        return made
    }

    private func counter(_ s: StreamConfig, _ outcome: Outcome) -> Counter {
        counter(["stream_entries", s.key, s.model, outcome.rawValue]) {
            registry.makeCounter(descriptor: .init(namespace: "ferry", metricName: "stream_entries", unitName: "total",
                                                   helpText: "Stream entries finished, by outcome: answered, dead_lettered, lost (another consumer answers it)"),
                                 labels: [("stream", s.key), ("model", s.model), ("outcome", outcome.rawValue)])
        }
    }

    private func claims(_ s: StreamConfig) -> Counter {
        counter(["stream_claimed", s.key, s.model]) {
            registry.makeCounter(descriptor: .init(namespace: "ferry", metricName: "stream_claimed", unitName: "total",
                                                   helpText: "Stream entries taken over from consumers idle past the claim time"),
                                 labels: [("stream", s.key), ("model", s.model)])
        }
    }

    func finished(_ s: StreamConfig, _ outcome: Outcome) { counter(s, outcome).increment() }
    func claimed(_ s: StreamConfig, _ count: Int) { claims(s).increment(by: Int64(count)) }

    func inFlight(_ s: StreamConfig, _ count: Int) {
        let key = [s.key, s.model]
        if let gauge = gauges[key] { return gauge.set(Int64(count)) }
        let gauge = registry.makeGauge(descriptor: .init(namespace: "ferry", metricName: "stream_in_flight", unitName: "",
                                                         helpText: "Stream entries read and not yet answered"),
                                       labels: [("stream", s.key), ("model", s.model)])
        gauges[key] = gauge
        gauge.set(Int64(count))
    }

    func render() -> [UInt8] { registry.emitToBuffer() }
}
