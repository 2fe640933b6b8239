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
        /// How the lane learns its backend's cost law; nil: it keeps `costModel`.
        var learning: CostLearner.Configuration?
        var predictiveAdmission = false
        /// Calls the worker sends ahead per call running (`Settings.pipeline`).
        var pipeline = 0
        /// Where the learner's calls are kept across the scheduler's lives
        /// (nil: nowhere), and what they are measured on.
        var learnedCallsPath: String?
        var costSource = ""
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
    /// A decision is due once the requests read together are all queued.
    var pumpDue = false
    /// Its answers per second, for its status and its `Retry-After`.
    var drainRate = DrainRate()
    /// The cost law learned from the calls' times; nil when not learning.
    private(set) var learner: CostLearner?
    let predictiveAdmission: Bool
    private let learnedCallsPath: String?
    private let costSource: String
    /// The learner's `observations` when its calls were last kept.
    private var keptObservations = 0
    /// The last failure to keep them, logged once.
    private var lastKeepError: LearnedCallsError?
    private let wakeTimer: PreciseTimer
    private var wakeAtNs: Int64?
    /// What runs when the wake-up is due (the scheduler pumps this lane); set once.
    var onWake: () -> Void = {}

    init(index: Int, configuration: Configuration, reactor: Reactor, metrics: SchedulerMetrics) {
        model = configuration.model
        self.index = index
        self.metrics = metrics.model(configuration.model)
        core = SchedulingCore(strategy: configuration.strategy,
                              configuration: .init(maxQueued: configuration.maxQueued, maxQueuedPerClient: configuration.maxQueuedPerClient,
                                                   costModel: configuration.costModel, idBase: UInt64(index) << Self.idShift,
                                                   pipeline: configuration.pipeline))
        wakeTimer = reactor.makePreciseTimer()
        learner = configuration.learning.map(CostLearner.init)
        // A law to learn starts as its prior, a guess until a call is measured or kept calls are resumed.
        core.lawIsPrior = learner != nil
        predictiveAdmission = configuration.predictiveAdmission
        learnedCallsPath = configuration.learnedCallsPath
        costSource = configuration.costSource
        self.metrics.costLaw(core.configuration.costModel, learner: learner)
    }

    /// Learns from a successful call of items of these sizes and hands the
    /// refitted law to the core (and so to the strategy).
    func learn(sizes: [UInt64], serviceNs: UInt64, now: Int64) {
        guard learner != nil, !sizes.isEmpty else { return }
        if learner!.observe(.init(count: sizes.count, longest: sizes.max() ?? 0, serviceNs: Int64(clamping: serviceNs)), now: now) {
            core.setCostModel(learner!.model)
            metrics.costLaw(learner!.model, learner: learner)
        } else {
            metrics.recentError(learner)  // between refits the law is unchanged: only its recent error moved
        }
        metrics.lawCalls.increment()
    }

    /// Takes up the law an earlier life of the scheduler learned, from the
    /// calls it kept; what to log about it (nil: nothing was kept). A file
    /// that cannot be read, or was measured on another backend or size rule,
    /// is not used: the lane starts from its prior, as on a first start.
    func resumeLearning() -> (line: String, problem: Bool)? {
        guard learner != nil, let path = learnedCallsPath else { return nil }
        let kept: LearnedCalls
        do {
            guard let file = try LearnedCalls.read(from: path) else { return nil }
            kept = file
        } catch {
            return ("\(error); starting from the prior", true)
        }
        guard kept.source == costSource, kept.model == model else {
            return ("learned calls \(path) not used: measured for model '\(kept.model)' on \(kept.source), this lane is model '\(model)' on \(costSource); starting from the prior", false)
        }
        let calls = kept.learnerCalls
        guard !calls.isEmpty else { return nil }
        learner!.resume(calls)
        keptObservations = learner!.observations
        core.setCostModel(learner!.model)
        metrics.costLaw(learner!.model, learner: learner)
        return ("cost law resumed from \(calls.count) calls kept in \(path): \(learner!.model.summary)", false)
    }

    /// Keeps the learner's calls when some came in since they were last
    /// kept (a write that failed is tried again next time); the error to log
    /// when the file cannot be written, once until it changes or a write works.
    func keepLearning() -> LearnedCallsError? {
        guard let learner, let path = learnedCallsPath, learner.observations != keptObservations else { return nil }
        do {
            try LearnedCalls(model: model, source: costSource, calls: learner.recentCalls).write(to: path)
            keptObservations = learner.observations
            lastKeepError = nil
            return nil
        } catch {
            defer { lastKeepError = error }
            return error == lastKeepError ? nil : error
        }
    }

    /// Why a request with this deadline is refused now, when admission is
    /// predictive and the law says it would finish after it (waiting would
    /// only end in a 504), and when to try again: once the work predicted
    /// ahead of it has shrunk enough. Nil: admit it.
    func admissionRefusal(cost: UInt64, deadlineNs: Int64, now: Int64) -> (reason: String, retryAfterMs: UInt32)? {
        guard predictiveAdmission, deadlineNs != timeNever else { return nil }
        let finish = core.predictedFinishNs(cost: cost, now: now)
        guard finish > deadlineNs else { return nil }
        let late = (finish - deadlineNs + 999_999) / 1_000_000
        return ("predicted to finish in \((finish - now) / 1_000_000) ms, after its deadline of \((deadlineNs - now) / 1_000_000) ms (model '\(model)'); refused now rather than left to expire",
                UInt32(clamping: max(1_000, late)))
    }

    /// The law in force, for `/readyz`: learned or configured, and how well it predicts.
    var costSummary: String {
        let law = core.configuration.costModel.summary
        guard let learner else { return "\(law) (configured)" }
        guard let error = learner.recentError else { return "\(law) (the prior: no call yet)" }
        return "\(law) (learned from \(learner.observations) call\(learner.observations == 1 ? "" : "s"); recent error \(Int((error * 100).rounded()))%)"
    }

    /// What log lines about this lane begin with: its model, when there are several.
    func logPrefix(among lanes: Int) -> String { lanes > 1 ? "model \(model): " : "" }

    /// The lane an item or batch id belongs to.
    static func index(of id: UInt64) -> Int { Int(id >> idShift) }

    /// What ingress is told about this model's backend: its limits, and 0
    /// slots while the worker has not announced it (so `/readyz` says so).
    func capacityMessage(workerReady: Bool) -> Message {
        .capacity(model: model, batchLimit: UInt32(core.configuration.batchLimit),
                  slots: workerReady && hasCapacity ? UInt32(core.configuration.slots) : 0)
    }

    func statusMessage(now: Int64) -> Message {
        .status(SchedulerStatus(model: model, queued: UInt32(core.queuedCount), inFlight: UInt32(core.inFlightCount),
                                highWater: UInt32(core.highWater), maxQueued: UInt32(core.configuration.maxQueued),
                                drainPerS: UInt32(drainRate.perSecond(now: now).rounded()), strategy: core.strategy.name, degraded: core.fallbackReason ?? "",
                                cost: costSummary))
    }

    /// Arms the wake-up for `wake` (none when nil); `onWake` runs when it is due.
    func armWake(_ wake: Int64?, now: Int64) {
        guard wake != wakeAtNs else { return }
        wakeAtNs = wake
        guard let wake else { wakeTimer.stop(); return }
        // Nanoseconds: a strategy's hold of 70 µs must not become a whole millisecond.
        wakeTimer.start(afterNanoseconds: UInt64(max(0, wake - now))) { [unowned self] in
            self.wakeAtNs = nil
            self.onWake()
        }
    }

    func close() { wakeTimer.close() }
}
