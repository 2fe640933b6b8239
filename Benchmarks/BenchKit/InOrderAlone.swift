import HeapModule

/// The trace served the way an unbatched server serves it: each request
/// alone, in arrival order, on `servers` instances, each taking its own
/// service time under the workload's law. Its mean flow time less the lower
/// bound (`LowerBound`) is the most any batcher or scheduler can win over
/// sending each item alone on this trace, under that law: at light load
/// that is the little queueing there is, and a gateway whose hops cost more
/// than it cannot be faster than the server alone there.
public enum InOrderAlone {
    /// `jobs`: (release ns, own service ns). Returns the mean flow time, ns.
    public static func meanFlowNs(_ jobs: [(releaseNs: Int64, serviceNs: Int64)], servers: Int) -> Double {
        guard !jobs.isEmpty else { return 0 }
        // When each instance is next free; the earliest takes the next request in arrival order.
        var free = Heap<Int64>(Array(repeating: Int64.min, count: max(1, servers)))
        var total = 0.0
        for job in jobs.sorted(by: { $0.releaseNs < $1.releaseNs }) {
            let start = max(free.removeMin(), job.releaseNs)
            let end = start + job.serviceNs
            free.insert(end)
            total += Double(end - job.releaseNs)
        }
        return total / Double(jobs.count)
    }
}
