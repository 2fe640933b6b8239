import CostModel
import Prometheus

/// The scheduler's Prometheus samples: what only it can see (batch sizes,
/// queue waits, backend call times, the strategy's decision time and
/// fallbacks), each labelled with its model. Rendered as text and sent to ingress, which serves them on
/// `/metrics` with its own and the worker's (see `Message.metrics`).
///
/// Its own registry rather than the process-wide swift-metrics bootstrap, so
/// a test or the bench can run several schedulers in one process.
public final class SchedulerMetrics {
    private let registry = PrometheusCollectorRegistry()

    /// How a backend call ended, as the `outcome` label says it.
    enum CallOutcome: String, CaseIterable {
        case ok, failed, lost
    }

    /// One model's samples: every series carries its `model` label.
    struct Model {
        let batchSize: ValueHistogram
        let queueWait: DurationHistogram
        let callDuration: DurationHistogram
        let decision: DurationHistogram
        let fallbacks: Counter
        fileprivate let calls: [CallOutcome: Counter]
        fileprivate let law: [CostTerm: Gauge]
        fileprivate let lawError: Gauge
        let lawCalls: Counter

        /// The cost law in force, and how the learner is doing.
        func costLaw(_ model: CostModel, learner: CostLearner?) {
            for (term, gauge) in law { gauge.set(term.coefficient(in: model)) }
            recentError(learner)
        }

        /// The learned law's recent error (0 for a configured law).
        func recentError(_ learner: CostLearner?) {
            lawError.set(learner?.recentError ?? 0)
        }

        /// Backend calls ended with `outcome`.
        func call(_ outcome: CallOutcome, count: Int = 1) {
            calls[outcome]?.increment(by: Int64(count))
        }
    }

    public init() {}

    /// The samples of the model `name` (made once per model).
    func model(_ name: String) -> Model {
        func ferry(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: "ferry", metricName: metric, unitName: unit, helpText: help)
        }
        let labels = [("model", name)]
        let latency: [Duration] = [.milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                                   .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5),
                                   .seconds(5), .seconds(10)]
        let callsName = ferry("backend_calls", "total", "Backend calls by outcome: ok, failed (an item failed), lost (the worker died)")
        var calls: [CallOutcome: Counter] = [:]
        for outcome in CallOutcome.allCases {
            calls[outcome] = registry.makeCounter(descriptor: callsName, labels: labels + [("outcome", outcome.rawValue)])
        }
        var law: [CostTerm: Gauge] = [:]
        let lawName = ferry("cost_law", "ns", "The cost law in force, per term: ns per call (fixed), per item, per size² of the largest (longest_squared), per item × largest size (padded), per item × largest size² (padded_squared)")
        for term in CostTerm.allCases {
            law[term] = registry.makeGauge(descriptor: lawName, labels: labels + [("term", term.rawValue)])
        }
        return Model(
            batchSize: registry.makeValueHistogram(descriptor: ferry("batch", "size", "Items per backend call"), labels: labels,
                                                   buckets: [1, 2, 3, 4, 5, 6, 8, 12, 16, 32, 64, 128]),
            queueWait: registry.makeDurationHistogram(
                descriptor: ferry("queue_wait", "seconds", "Time from acceptance to dispatch, per item dispatched"), labels: labels, buckets: latency),
            callDuration: registry.makeDurationHistogram(
                descriptor: ferry("backend_call_duration", "seconds", "Backend call duration as the worker measured it"), labels: labels, buckets: latency),
            decision: registry.makeDurationHistogram(
                descriptor: ferry("strategy_decision", "seconds", "Time to decide the next batches (strategy plus host checks)"), labels: labels,
                buckets: [.microseconds(1), .microseconds(5), .microseconds(10), .microseconds(50), .microseconds(100),
                          .microseconds(500), .milliseconds(1), .milliseconds(5), .milliseconds(50)]),
            fallbacks: registry.makeCounter(descriptor: ferry("strategy_fallbacks", "total", "Strategy answers refused and replaced by oldest-first"),
                                            labels: labels),
            calls: calls, law: law,
            lawError: registry.makeGauge(descriptor: ferry("cost_law_error", "ratio", "Mean relative error of the learned law's recent predictions, each made before its call was seen"),
                                         labels: labels),
            lawCalls: registry.makeCounter(descriptor: ferry("cost_law_calls", "total", "Calls the cost law was learned from"), labels: labels))
    }

    /// The samples in Prometheus text format.
    public func render() -> [UInt8] { registry.emitToBuffer() }
}
