import Foundation
import Histogram
import Logging
import NIOConcurrencyHelpers

/// Seed 002's performance log: every few seconds one info line with the
/// throughput, p50/p99 latency and queue depth of the last interval, and at
/// shutdown a summary of the whole run.
final class PerformanceLog: Sendable {
    private struct State {
        var window = Histogram<UInt64>(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .two)
        var total = Histogram<UInt64>(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .two)
        var byStatus: [Int: Int] = [:]
        var windowStart = DispatchTime.now().uptimeNanoseconds
        let started = DispatchTime.now().uptimeNanoseconds
    }

    private let state = NIOLockedValueBox(State())
    private let logger: Logger

    init(logger: Logger) {
        self.logger = logger
        state.withLockedValue { $0.window.autoResize = true; $0.total.autoResize = true }
    }

    func record(status: Int, nanoseconds: Int64) {
        let us = UInt64(max(0, nanoseconds / 1_000))
        state.withLockedValue { s in
            _ = s.window.record(us)
            _ = s.total.record(us)
            s.byStatus[status, default: 0] += 1
        }
    }

    /// The interval's line, or nil when nothing happened; starts a new interval.
    func intervalLine(queueDepth: UInt32?) -> String? {
        state.withLockedValue { s in
            let now = DispatchTime.now().uptimeNanoseconds
            defer { s.window.reset(); s.windowStart = now }
            let n = s.window.totalCount
            guard n > 0 else { return nil }
            let seconds = Double(now - s.windowStart) / 1e9
            return String(format: "last %.1f s: %llu requests (%.1f/s), p50 %.1f ms, p99 %.1f ms", seconds, n, Double(n) / seconds,
                          Double(s.window.valueAtPercentile(50)) / 1e3, Double(s.window.valueAtPercentile(99)) / 1e3)
                + (queueDepth.map { ", queue depth \($0)" } ?? "")
        }
    }

    /// The whole run, for the log at shutdown.
    func summary() -> String {
        state.withLockedValue { s in
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - s.started) / 1e9
            let statuses = s.byStatus.keys.sorted().map { "\($0): \(s.byStatus[$0]!)" }.joined(separator: ", ")
            return String(format: "run summary: %llu requests in %.1f s (%.1f/s), p50 %.1f ms, p99 %.1f ms, max %.1f ms", s.total.totalCount, seconds,
                          Double(s.total.totalCount) / max(seconds, 1e-9), Double(s.total.valueAtPercentile(50)) / 1e3,
                          Double(s.total.valueAtPercentile(99)) / 1e3, Double(s.total.max) / 1e3)
                + (statuses.isEmpty ? "" : "; by status \(statuses)")
        }
    }

    /// Logs an interval line every `seconds` until cancelled.
    func run(every seconds: Int, queueDepth: @escaping @Sendable () -> UInt32?) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(seconds))
            if Task.isCancelled { break }
            if let line = intervalLine(queueDepth: queueDepth()) { logger.info("\(line)") }
        }
    }
}
