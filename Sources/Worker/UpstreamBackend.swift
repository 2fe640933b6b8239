import LibUV
import Link
import Foundation
import Logging
import NIOCore
import NIOPosix
import Wire

/// Forwards each batch to model servers, in the protocol `face` speaks (the
/// seed's `/classify`, or the Open Inference Protocol over HTTP or gRPC); the
/// rules below are the same for every protocol.
///
/// - Over HTTP, connections are pooled and reused (AsyncHTTPClient); idle ones are
///   retired after `idleTimeoutMs`, before the upstream closes them (uvicorn
///   closes idle keep-alive connections after 5 s), and a call on a connection
///   the upstream closed is retried — a naive proxy fails exactly the first
///   request after a pause that way.
/// - With several upstreams, each call goes to the one with the fewest calls
///   in flight; a retry prefers another one.
/// - Retryable: connection reset, timeout, 5xx — up to `maxAttempts` tries
///   with exponential backoff. Final: 4xx, a malformed answer, or the wrong
///   number of results — a clear per-item error at once.
/// - Unreachable (connection refused: the call never reached a model): tried
///   again without spending a try, the backoff growing to 1 s, for up to
///   `timeoutMs` in all — a model server that restarts costs its callers
///   latency, not answers; one that stays down fails them after that.
/// Calls run on the worker's upstream loop (`UpstreamLoop`), where the
/// faces' connections are; results come back on the worker's libuv loop
/// through an `UVAsync`.
public final class UpstreamBackend: Backend {
    public struct Configuration: Sendable {
        public var urls: [String]
        public var batchLimit: Int = 5
        public var concurrency: Int = 1
        /// Calls sent ahead per call at once (`Settings.pipeline`).
        public var pipeline: Int = 0
        public var timeoutMs: Int64 = 30_000
        public var maxAttempts: Int = 3
        public var backoffMs: Int64 = 50
        public var idleTimeoutMs: Int64 = 2_000

        public init(urls: [String]) {
            self.urls = urls.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        }
    }

    public var name: String { face.name }
    public var batchLimit: Int { configuration.batchLimit }
    public var concurrency: Int { configuration.concurrency }
    public var pipeline: Int { configuration.pipeline }
    private let configuration: Configuration
    private let face: any UpstreamProtocol
    private let wakeup: UVAsync
    private let logger: Logger
    private let metrics: WorkerMetrics
    private var inFlight: [Int]
    public var onMetricsChange: (() -> Void)?

    public init(loop: UVLoop, face: any UpstreamProtocol, configuration: Configuration, logger: Logger, metrics: WorkerMetrics) throws {
        precondition(!configuration.urls.isEmpty, "at least one upstream URL")
        self.configuration = configuration
        self.face = face
        self.logger = logger
        self.metrics = metrics
        wakeup = try UVAsync(loop: loop)
        wakeup.setKeepsLoopAlive(false)
        inFlight = Array(repeating: 0, count: configuration.urls.count)
    }

    public func close() {
        wakeup.close()
        face.shutdown()
    }

    private func leastBusy(avoiding: Int? = nil) -> Int {
        var best = 0
        for i in inFlight.indices {
            let score = (i == avoiding ? 1_000_000 : 0) + inFlight[i]
            let bestScore = (best == avoiding ? 1_000_000 : 0) + inFlight[best]
            if score < bestScore { best = i }
        }
        return best
    }

    public func execute(_ payloads: [[UInt8]], completion: @escaping (CallAnswer) -> Void) {
        let first = leastBusy()
        inFlight[first] += 1
        let backend = LoopOnly(self), done = LoopOnly(completion)
        // Read here, where the worker reads the call's start, not after the hop to the upstream loop.
        let made = ContinuousClock.now
        Task(executorPreference: UpstreamLoop.executor) { @Sendable [configuration, face, logger, wakeup, metrics] in
            var target = first
            var lastError = ""
            var attempt = 1
            var unreachableSince: ContinuousClock.Instant?
            var unreachableWaitMs = configuration.backoffMs
            var lastTryAfterNs: Int64 = 0
            while attempt <= configuration.maxAttempts {
                let url = configuration.urls[target]
                let result = await face.call(url: url, payloads: payloads, timeoutMs: configuration.timeoutMs)
                metrics.attempt(upstream: url, result: Self.kind(of: result))
                wakeup.post { backend.onLoop.onMetricsChange?() }
                let waitMs: Int64
                switch result {
                case let .success(labels):
                    let answer = CallAnswer(labels.map { BatchResult.Outcome(status: .ok, body: $0) }, lastTryAfterNs: lastTryAfterNs)
                    wakeup.post { backend.onLoop.inFlight[target] -= 1; done.onLoop(answer) }
                    return
                case let .failure(.final(message)):
                    logger.error("\(message)")
                    let answer = CallAnswer(payloads.map { _ in BatchResult.Outcome(status: .failed, body: Array(message.utf8)) }, lastTryAfterNs: lastTryAfterNs)
                    wakeup.post { backend.onLoop.inFlight[target] -= 1; done.onLoop(answer) }
                    return
                case let .failure(.unreachable(message)):
                    let since = unreachableSince ?? .now
                    unreachableSince = since
                    lastError = "\(message) (for \(configuration.timeoutMs) ms)"
                    guard ContinuousClock.now - since < .milliseconds(configuration.timeoutMs) else { attempt = Int.max; continue }
                    waitMs = unreachableWaitMs
                    unreachableWaitMs = min(unreachableWaitMs * 2, 1_000)
                    logger.warning("\(message); trying again in \(waitMs) ms")
                case let .failure(.retryable(message)):
                    lastError = message
                    unreachableSince = nil
                    attempt += 1
                    guard attempt <= configuration.maxAttempts else { continue }
                    waitMs = configuration.backoffMs << (attempt - 2)
                    logger.warning("\(message); try \(attempt) of \(configuration.maxAttempts) after \(waitMs) ms")
                }
                try? await Task.sleep(for: .milliseconds(waitMs))
                // Prefer another upstream for the retry (counts are the loop's: hop there).
                target = await withCheckedContinuation { next in
                    let from = target
                    wakeup.post {
                        let me = backend.onLoop
                        me.inFlight[from] -= 1
                        let other = me.leastBusy(avoiding: from)
                        me.inFlight[other] += 1
                        next.resume(returning: other)
                    }
                }
                let sinceMade = (ContinuousClock.now - made).components
                lastTryAfterNs = sinceMade.seconds * 1_000_000_000 + sinceMade.attoseconds / 1_000_000_000
            }
            let message = unreachableSince != nil ? "no upstream reachable: \(lastError)" : "upstream failed after \(configuration.maxAttempts) tries: \(lastError)"
            logger.error("\(message)")
            let answer = CallAnswer(payloads.map { _ in BatchResult.Outcome(status: .failed, body: Array(message.utf8)) }, lastTryAfterNs: lastTryAfterNs)
            wakeup.post { backend.onLoop.inFlight[target] -= 1; done.onLoop(answer) }
        }
    }

    private static func kind(of result: Result<[[UInt8]], UpstreamCallError>) -> String {
        switch result {
        case .success: "ok"
        case .failure(.retryable): "retryable"
        case .failure(.unreachable): "unreachable"
        case .failure(.final): "final"
        }
    }
}
