import Histogram
import Simulation

/// Latency figures for a set of answered requests (ms).
public struct LatencyFigures: Codable, Sendable, Equatable {
    public var count: Int
    public var meanMs: Double
    public var p50Ms: Double
    public var p95Ms: Double
    public var p99Ms: Double
    public var maxMs: Double
    /// Mean of latency ÷ own service time.
    public var meanSlowdown: Double

    /// Mean exactly; percentiles from an HDR histogram (3 significant digits).
    init(latenciesNs: [Int64], ownServiceNs: [Int64]) {
        count = latenciesNs.count
        guard count > 0 else {
            meanMs = 0; p50Ms = 0; p95Ms = 0; p99Ms = 0; maxMs = 0; meanSlowdown = 0
            return
        }
        var histogram = Histogram<UInt64>(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
        histogram.autoResize = true
        for l in latenciesNs { _ = histogram.record(UInt64(max(0, l / 1_000))) }  // µs
        meanMs = Double(latenciesNs.reduce(0, +)) / Double(count) / 1e6
        p50Ms = Double(histogram.valueAtPercentile(50)) / 1e3
        p95Ms = Double(histogram.valueAtPercentile(95)) / 1e3
        p99Ms = Double(histogram.valueAtPercentile(99)) / 1e3
        maxMs = Double(latenciesNs.max()!) / 1e6
        var slow = 0.0
        for (l, s) in zip(latenciesNs, ownServiceNs) { slow += Double(l) / Double(max(s, 1)) }
        meanSlowdown = slow / Double(count)
    }
}

/// Everything the bench reports for one strategy on one workload.
public struct Figures: Codable, Sendable, Equatable {
    public var strategy: String
    public var all: LatencyFigures
    public var clients: [String: LatencyFigures]
    /// Jain's index over per-client mean slowdown: 1 is perfectly even.
    public var jain: Double
    public var throughputPerS: Double
    /// Busy backend time ÷ (concurrency × span).
    public var utilisation: Double
    /// Mean items per call ÷ batch limit.
    public var batchFill: Double
    public var calls: Int
    public var rejected: Int
    public var expired: Int
    /// The lower bound of the mean (ms) on this run's answered requests.
    public var boundMs: Double
    /// The mean (ms) of the same requests served each alone in arrival order
    /// under the law (`InOrderAlone`): what an unbatched server would give,
    /// less `boundMs` the most batching or scheduling can win.
    public var inOrderAloneMs: Double
    public var ratioToBound: Double
    /// Strategy answers the host refused.
    public var refusedAnswers: Int

    /// Requests that failed (live runs: an error status other than 429/504).
    public var failed: Int

    public init(strategy: String, result: Simulator.Result, backend: BackendModel) {
        self.strategy = strategy
        let ok = result.records.filter { $0.outcome == .ok && $0.finishNs != nil }
        all = LatencyFigures(latenciesNs: ok.map { $0.latencyNs! }, ownServiceNs: ok.map(\.ownServiceNs))
        var perClient: [String: LatencyFigures] = [:]
        for name in Set(ok.map(\.client)) {
            let mine = ok.filter { $0.client == name }
            perClient[name] = LatencyFigures(latenciesNs: mine.map { $0.latencyNs! }, ownServiceNs: mine.map(\.ownServiceNs))
        }
        clients = perClient
        let slowdowns = perClient.values.map(\.meanSlowdown)
        let sum = slowdowns.reduce(0, +), squares = slowdowns.reduce(0) { $0 + $1 * $1 }
        jain = squares > 0 ? sum * sum / (Double(slowdowns.count) * squares) : 1
        let first = result.records.map(\.arrivalNs).min() ?? 0
        let span = Double(max(1, result.endNs - first)) / 1e9
        throughputPerS = Double(ok.count) / span
        let busy = result.calls.reduce(0.0) { $0 + Double($1.endNs - $1.startNs) } / 1e9
        utilisation = busy / (Double(backend.concurrency) * span)
        calls = result.calls.count
        batchFill = calls == 0 ? 0 : Double(result.calls.reduce(0) { $0 + $1.size }) / Double(calls) / Double(backend.batchLimit)
        rejected = result.records.filter { $0.outcome == .rejected }.count
        expired = result.records.filter { $0.outcome == .expired }.count
        failed = result.records.filter { $0.outcome == .failed }.count
        let jobs = ok.map { (releaseNs: $0.arrivalNs, serviceNs: $0.ownServiceNs) }
        boundMs = LowerBound.meanNs(jobs, speedup: backend.batchLimit * backend.concurrency) / 1e6
        inOrderAloneMs = InOrderAlone.meanFlowNs(jobs, servers: backend.concurrency) / 1e6
        ratioToBound = boundMs > 0 ? all.meanMs / boundMs : 0
        refusedAnswers = result.refusedAnswers
    }
}
