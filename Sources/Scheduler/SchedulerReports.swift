import Link
import Wire

/// What the scheduler tells about itself: its status to the ingress (at most
/// ten times a second, only after a change), its Prometheus samples to the
/// supervisor (at most once a second; the one route every process's samples
/// take to `/metrics`), and when a refused client should try again, from a
/// model's recent drain rate.
final class SchedulerReports {
    let metrics: SchedulerMetrics
    private var statusTimer: CoalescingTimer?
    private var metricsTimer: CoalescingTimer?

    /// `status` builds the current status (one per model), `sendStatus`
    /// delivers it to every ingress, `sendMetrics` the samples to the supervisor.
    init(reactor: Reactor, metrics: SchedulerMetrics, status: @escaping () -> [Message], sendStatus: @escaping ([Message]) -> Void,
         sendMetrics: @escaping ([UInt8]) -> Void) {
        self.metrics = metrics
        statusTimer = CoalescingTimer(reactor: reactor, delayMilliseconds: 100) { sendStatus(status()) }
        metricsTimer = CoalescingTimer(reactor: reactor, delayMilliseconds: 1_000) { [unowned self] in
            sendMetrics(self.metrics.render())
        }
    }

    func statusChanged() { statusTimer?.poke() }
    func metricsChanged() { metricsTimer?.poke() }

    /// When the queue will have drained enough to take more: queued ÷
    /// answered-per-second, between 1 s and 60 s.
    static func retryAfterMs(queued: Int, perSecond rate: Double) -> UInt32 {
        guard rate > 0 else { return 1_000 }
        return UInt32(min(60_000, max(1_000, Double(queued) / rate * 1_000)))
    }

    func close() {
        statusTimer?.close()
        metricsTimer?.close()
    }
}
