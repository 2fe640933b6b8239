import Link
import Wire

/// What the scheduler tells the ingress about itself: its status (at most
/// ten times a second, only after a change), its Prometheus samples and the
/// worker's (at most once a second), and when a refused client should try
/// again, from the recent drain rate.
final class SchedulerReports {
    let metrics = SchedulerMetrics()
    private var drainRate = DrainRate()
    /// The worker's latest samples, passed on with ours.
    private var workerMetrics: [UInt8] = []
    private var statusTimer: CoalescingTimer?
    private var metricsTimer: CoalescingTimer?

    /// `status` builds the current status; `send` delivers to every ingress.
    init(reactor: Reactor, status: @escaping () -> Message, send: @escaping (Message) -> Void) {
        statusTimer = CoalescingTimer(reactor: reactor, delayMilliseconds: 100) { send(status()) }
        metricsTimer = CoalescingTimer(reactor: reactor, delayMilliseconds: 1_000) { [unowned self] in
            send(.metrics(source: "scheduler", text: self.metrics.render()))
        }
    }

    func statusChanged() { statusTimer?.poke() }
    func metricsChanged() { metricsTimer?.poke() }

    /// The worker's samples, kept to greet a new ingress with.
    func workerSent(_ text: [UInt8]) { workerMetrics = text }

    /// Ours and the worker's latest, for a newly connected ingress.
    var greeting: [Message] {
        [.metrics(source: "scheduler", text: metrics.render())] + (workerMetrics.isEmpty ? [] : [.metrics(source: "worker", text: workerMetrics)])
    }

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
