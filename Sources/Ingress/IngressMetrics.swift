import CoreMetrics
import Metrics
import NIOConcurrencyHelpers
import Prometheus
import Wire

/// `/metrics`: swift-metrics instruments backed by a swift-prometheus
/// registry. Requests and their latency are counted here; the scheduler's
/// queue depth, in-flight batches, high-water mark, drain rate and whether
/// the strategy was replaced arrive in its status messages; the scheduler's,
/// the worker's and the supervisor's own samples arrive as Prometheus text
/// (`Message.metrics`) and are served after ours, the latest from each.
public final class IngressMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    private let others = NIOLockedValueBox<[String: [UInt8]]>([:])
    /// The request counters made so far, by client and status, and the
    /// latency timer: made once, because swift-metrics' `Counter(label:)`
    /// asks the registry each time, which validates the name and looks the
    /// labels up (`perf`: a few percent of the ingress's time per request).
    private let counters = NIOLockedValueBox<[Answer: CoreMetrics.Counter]>([:])
    private let duration: Metrics.Timer

    private struct Answer: Hashable {
        var client: String
        var status: Int
    }

    /// Installs the Prometheus backend for swift-metrics (once per process).
    public static func bootstrap() -> IngressMetrics {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
        ]
        MetricsSystem.bootstrap(factory)
        return IngressMetrics(registry: registry)
    }

    /// After `MetricsSystem.bootstrap`, so the timer is the registry's.
    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        duration = Metrics.Timer(label: "ferry_request_duration_seconds")
    }

    /// One request answered with `status` after `nanoseconds`.
    func answered(client: String, status: Int, nanoseconds: Int64) {
        let key = Answer(client: client, status: status)
        let counter = counters.withLockedValue { made in
            if let counter = made[key] { return counter }
            let counter = CoreMetrics.Counter(label: "ferry_requests_total", dimensions: [("client", client), ("status", String(status))])
            made[key] = counter
            return counter
        }
        counter.increment()
        duration.recordNanoseconds(nanoseconds)
    }

    /// Another process's latest samples, replacing the last from `source`.
    func received(source: String, text: [UInt8]) {
        others.withLockedValue { $0[source] = text }
    }

    /// The Prometheus text page, with the scheduler's latest status as gauges.
    func page(statuses: [SchedulerStatus], ready: Bool) -> [UInt8] {
        Gauge(label: "ferry_ready").record(ready ? 1 : 0)
        for s in statuses {
            let model = [("model", s.model)]
            Gauge(label: "ferry_queue_depth", dimensions: model).record(Double(s.queued))
            Gauge(label: "ferry_in_flight_batches", dimensions: model).record(Double(s.inFlight))
            Gauge(label: "ferry_queue_high_water", dimensions: model).record(Double(s.highWater))
            Gauge(label: "ferry_queue_limit", dimensions: model).record(Double(s.maxQueued))
            Gauge(label: "ferry_drain_requests_per_second", dimensions: model).record(Double(s.drainPerS))
            Gauge(label: "ferry_strategy_fallback", dimensions: model + [("strategy", s.strategy)]).record(s.degraded.isEmpty ? 0 : 1)
        }
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        others.withLockedValue { all in
            for source in all.keys.sorted() { buffer.append(contentsOf: all[source]!) }
        }
        return buffer
    }
}
