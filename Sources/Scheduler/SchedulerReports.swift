import Link
import Wire

/// What the scheduler tells about itself: its status to the ingress (at most
/// ten times a second, only after a change), its Prometheus samples to the
/// supervisor (at most once a second; the one route every process's samples
/// take to `/metrics`), and when a refused client should try again, from the
/// recent drain rate.
final class SchedulerReports {
    let metrics = SchedulerMetrics()
    private var drainRate = DrainRate()
    private var statusTimer: CoalescingTimer?
    private var metricsTimer: CoalescingTimer?

    /// `status` builds the current status, `sendStatus` delivers it to every
    /// ingress, `sendMetrics` the samples to the supervisor.
    init(reactor: Reactor, status: @escaping () -> Message, sendStatus: @escaping (Message) -> Void,
         sendMetrics: @escaping ([UInt8]) -> Void) {
        statusTimer = CoalescingTimer(reactor: reactor, delayMilliseconds: 100) { sendStatus(status()) }
        metricsTimer = CoalescingTimer(reactor: reactor, delayMilliseconds: 1_000) { [unowned self] in
            sendMetrics(self.metrics.render())
        }
    }

    func statusChanged() { statusTimer?.poke() }
    func metricsChanged() { metricsTimer?.poke() }

    func answered(_ count: Int, now: Int64) { drainRate.record(count, now: now) }

    func drainPerSecond(now: Int64) -> Double { drainRate.perSecond(now: now) }

    /// When the queue will have drained enough to take more: queued ÷
    /// answered-per-second, between 1 s and 60 s.
    func retryAfterMs(queued: Int, now: Int64) -> UInt32 {
        let rate = drainRate.perSecond(now: now)
        guard rate > 0 else { return 1_000 }
        return UInt32(min(60_000, max(1_000, Double(queued) / rate * 1_000)))
    }

    func close() {
        statusTimer?.close()
        metricsTimer?.close()
    }
}
