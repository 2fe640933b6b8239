import CostModel
import Link
import Scheduling
import Wire

/// One model's lane in the scheduler: its own queue and strategy instance
/// (a `SchedulingCore`), the capacity the worker announced for its backend,
/// its wake-up timer and its pause after a `busy` answer. Lanes share
/// nothing but the id space, which they split: a lane's item and batch ids
/// carry its index in their top bits, so an id alone finds its lane.
final class ModelLane {
    /// What a lane is made of (one per served model).
    struct Configuration {
        var model: String
        var strategy: any SchedulingStrategy
        var maxQueued: Int
        var maxQueuedPerClient: Int?
        var costModel: CostModel
    }

    /// Ids below 2^40 per lane; up to 2^24 lanes.
    static let idShift: UInt64 = 40

    let model: String
    let index: Int
    let core: SchedulingCore
    let metrics: SchedulerMetrics.Model
    /// The worker announced this model's capacity since it (re)connected.
    var hasCapacity = false
    /// After a `busy` answer, no dispatch before this time (no hot loop).
    var pausedUntilNs: Int64 = 0
    /// Its answers per second, for its status and its `Retry-After`.
    var drainRate = DrainRate()
    private let wakeTimer: ReactorTimer
    private var wakeAtNs: Int64?

    init(index: Int, configuration: Configuration, reactor: Reactor, metrics: SchedulerMetrics) {
        model = configuration.model
        self.index = index
        self.metrics = metrics.model(configuration.model)
        core = SchedulingCore(strategy: configuration.strategy,
                              configuration: .init(maxQueued: configuration.maxQueued, maxQueuedPerClient: configuration.maxQueuedPerClient,
                                                   costModel: configuration.costModel, idBase: UInt64(index) << Self.idShift))
        wakeTimer = reactor.makeTimer()
    }

    /// The lane an item or batch id belongs to.
    static func index(of id: UInt64) -> Int { Int(id >> idShift) }

    /// What ingress is told about this model's backend: its limits, and 0
    /// slots while the worker has not announced it (so `/readyz` says so).
    func capacityMessage(workerReady: Bool) -> Message {
        .capacity(model: model, batchLimit: UInt32(core.configuration.batchLimit),
                  slots: workerReady && hasCapacity ? UInt32(core.configuration.slots) : 0)
    }

    func statusMessage(drainPerS: Double, maxQueued: Int) -> Message {
        .status(SchedulerStatus(model: model, queued: UInt32(core.queuedCount), inFlight: UInt32(core.inFlightCount),
                                highWater: UInt32(core.highWater), maxQueued: UInt32(maxQueued),
                                drainPerS: UInt32(drainPerS.rounded()), strategy: core.strategy.name, degraded: core.fallbackReason ?? ""))
    }

    /// Arms the wake-up for `wake` (none when nil); `fire` runs when it is due.
    func armWake(_ wake: Int64?, now: Int64, fire: @escaping () -> Void) {
        guard wake != wakeAtNs else { return }
        wakeAtNs = wake
        guard let wake else { wakeTimer.stop(); return }
        // Timers count whole milliseconds; round up so we are never early.
        let ms = UInt64(max(0, (wake - now + 999_999) / 1_000_000))
        wakeTimer.start(afterMilliseconds: ms) { [unowned self] in
            self.wakeAtNs = nil
            fire()
        }
    }

    func close() { wakeTimer.close() }
}
