import Foundation
import Simulation

/// One client of a workload and how it sends.
///
/// Shapes:
/// - `bursts` — closed loop, as the seed's client really behaves: it sleeps
///   `gap_ms` before creating each of `per_burst` requests, sends them all at
///   once, waits for every answer, pauses `pause_ms` after each of the first
///   `pause_bursts` bursts, and repeats `bursts` times.
/// - `paced` — open loop: each request is sent after its `gap_ms` sleep,
///   without waiting for answers (pauses as for `bursts`).
/// - `poisson` — open loop: `count` requests at `rate_per_s` on average.
/// - `serial` — closed loop, one at a time: each request `gap_ms` after the
///   previous one was answered.
public struct ClientSpec: Codable, Sendable {
    public var name: String
    public var shape: String
    /// Text lengths: uniform in `[min, max]`, or Pareto with `pareto_alpha` cut at `max`.
    public var length: [Int]
    public var paretoAlpha: Double?
    public var bursts: Int?
    public var perBurst: Int?
    public var count: Int?
    public var gapMs: [Double]?
    public var pauseMs: [Double]?
    public var pauseBursts: Int?
    public var ratePerS: Double?
    public var startMs: Double?
    /// Deadline: uniform in `[min, max]` ms; absent for none.
    public var timeoutMs: [Double]?
    public var priority: Int32?

    enum CodingKeys: String, CodingKey {
        case name, shape, length, paretoAlpha = "pareto_alpha", bursts, perBurst = "per_burst", count
        case gapMs = "gap_ms", pauseMs = "pause_ms", pauseBursts = "pause_bursts", ratePerS = "rate_per_s"
        case startMs = "start_ms", timeoutMs = "timeout_ms", priority
    }

    var problem: String? {
        guard length.count == 2, length[0] >= 1, length[0] <= length[1] else { return "length must be [min, max] with 1 ≤ min ≤ max" }
        for (key, range) in [("gap_ms", gapMs), ("pause_ms", pauseMs), ("timeout_ms", timeoutMs)] {
            if let r = range, r.count != 2 || r[0] < 0 || r[0] > r[1] { return "\(key) must be [min, max] with 0 ≤ min ≤ max" }
        }
        switch shape {
        case "bursts", "paced":
            if (bursts ?? 0) < 1 || (perBurst ?? 0) < 1 { return "shape \(shape) needs bursts ≥ 1 and per_burst ≥ 1" }
        case "poisson":
            if (count ?? 0) < 1 || (ratePerS ?? 0) <= 0 { return "shape poisson needs count ≥ 1 and rate_per_s > 0" }
        case "serial":
            if (count ?? 0) < 1 { return "shape serial needs count ≥ 1" }
        default:
            return "unknown shape '\(shape)' (bursts, paced, poisson, serial)"
        }
        return nil
    }

    /// How many requests it sends in all.
    public var requestCount: Int {
        switch shape {
        case "bursts", "paced": (bursts ?? 0) * (perBurst ?? 0)
        default: count ?? 0
        }
    }

    /// The same client sending `factor` times as many requests at the same
    /// pace: `factor` times the bursts (and the paused ones) or the count.
    public func lengthened(by factor: Int) -> ClientSpec {
        var longer = self
        switch shape {
        case "bursts", "paced":
            longer.bursts = bursts.map { $0 * factor }
            longer.pauseBursts = pauseBursts.map { $0 * factor }
        default:
            longer.count = count.map { $0 * factor }
        }
        return longer
    }

    private func uniform(_ r: [Double]?, _ rng: inout SplitMix64) -> Double {
        guard let r else { return 0 }
        return r[0] + (r[1] - r[0]) * rng.unit()
    }

    private func drawLength(_ rng: inout SplitMix64) -> Int {
        if let alpha = paretoAlpha {
            let x = Double(length[0]) / pow(1 - rng.unit(), 1 / alpha)
            return min(length[1], Int(x))
        }
        return length[0] + Int(rng.next() % UInt64(length[1] - length[0] + 1))
    }

    private func request(at t: Double, _ rng: inout SplitMix64, group: Int? = nil, after: Int? = nil) -> Arrival {
        let timeout = timeoutMs.map { _ in Int(uniform(timeoutMs, &rng).rounded()) }
        return Arrival(client: name, timeNs: Int64(t * 1e6), length: drawLength(&rng), timeoutMs: timeout,
                       priority: priority ?? 0, group: group, afterGroup: after)
    }

    func generate(into out: inout [Arrival], rng: inout SplitMix64, nextGroup: inout Int) {
        let start = startMs ?? 0
        switch shape {
        case "bursts":
            var previous: Int?
            var offset = start
            for burst in 0..<bursts! {
                var creation = 0.0
                for _ in 0..<perBurst! { creation += uniform(gapMs, &rng) }
                let group = nextGroup
                nextGroup += 1
                let t = offset + creation
                for _ in 0..<perBurst! { out.append(request(at: t, &rng, group: group, after: previous)) }
                previous = group
                offset = burst < (pauseBursts ?? 0) ? uniform(pauseMs, &rng) : 0
            }
        case "paced":
            var t = start
            for burst in 0..<bursts! {
                for _ in 0..<perBurst! {
                    t += uniform(gapMs, &rng)
                    out.append(request(at: t, &rng))
                }
                if burst < (pauseBursts ?? 0) { t += uniform(pauseMs, &rng) }
            }
        case "poisson":
            var t = start
            for _ in 0..<count! {
                t += -log(1 - rng.unit()) / ratePerS! * 1000
                out.append(request(at: t, &rng))
            }
        default:  // serial
            var previous: Int?
            for i in 0..<count! {
                let group = nextGroup
                nextGroup += 1
                let t = (i == 0 ? start : 0) + uniform(gapMs, &rng)
                out.append(request(at: t, &rng, group: group, after: previous))
                previous = group
            }
        }
    }
}
