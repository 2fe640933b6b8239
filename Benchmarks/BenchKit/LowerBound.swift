import HeapModule

/// The lower bound on mean latency for a trace (see shared/DESIGN.md): the
/// larger of
///  (a) the mean of each request's own service time — nothing finishes
///      sooner than it would alone — and
///  (b) the mean flow time of preemptive shortest-remaining-time-first on
///      one machine `batchLimit × concurrency` times as fast: any batch
///      schedule is a schedule on that many parallel machines, which that fast
///      single machine can imitate, and SRPT is optimal on it. (b) is what
///      keeps the bound honest for bursts.
public enum LowerBound {
    /// `jobs`: (release ns, own service ns). Returns ns.
    public static func meanNs(_ jobs: [(releaseNs: Int64, serviceNs: Int64)], speedup: Int) -> Double {
        guard !jobs.isEmpty else { return 0 }
        let own = jobs.reduce(0.0) { $0 + Double($1.serviceNs) } / Double(jobs.count)
        return max(own, srptMeanFlowNs(jobs, speedup: Double(max(1, speedup))))
    }

    /// Mean flow time of preemptive SRPT on one machine `speedup` times as fast.
    public static func srptMeanFlowNs(_ jobs: [(releaseNs: Int64, serviceNs: Int64)], speedup: Double) -> Double {
        let sorted = jobs.sorted { $0.releaseNs < $1.releaseNs }
        var queue = Heap<Job>()
        var t = 0.0
        var next = 0
        var totalFlow = 0.0
        while next < sorted.count || !queue.isEmpty {
            if queue.isEmpty {
                t = max(t, Double(sorted[next].releaseNs))
            }
            while next < sorted.count, Double(sorted[next].releaseNs) <= t {
                queue.insert(Job(remaining: Double(sorted[next].serviceNs) / speedup, release: Double(sorted[next].releaseNs)))
                next += 1
            }
            var job = queue.removeMin()
            let nextRelease = next < sorted.count ? Double(sorted[next].releaseNs) : .infinity
            if t + job.remaining <= nextRelease {
                t += job.remaining
                totalFlow += t - job.release
            } else {
                job.remaining -= nextRelease - t
                t = nextRelease
                queue.insert(job)
            }
        }
        return totalFlow / Double(sorted.count)
    }

    private struct Job: Comparable {
        var remaining: Double
        var release: Double
        static func < (a: Job, b: Job) -> Bool { (a.remaining, a.release) < (b.remaining, b.release) }
    }
}
