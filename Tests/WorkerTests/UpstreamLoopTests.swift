import LibUV
import Logging
import Testing
import Wire
@testable import Worker

/// A face that answers 503 to its first `failures` calls, then at once.
private final class FailingFirstFace: UpstreamProtocol, @unchecked Sendable {
    // @unchecked Sendable: `calls` is touched only by the one call in
    // flight (tries follow each other) and read after it answered.
    let name = "failing-first"
    let failures: Int
    var calls = 0
    init(failures: Int) { self.failures = failures }
    func call(url: String, payloads: [[UInt8]], timeoutMs: Int64) async -> Result<[[UInt8]], UpstreamCallError> {
        calls += 1
        return calls <= failures ? .failure(.retryable("\(url) answered 503")) : .success(payloads)
    }
    func shutdown() {}
}

/// A face that notes where its calls run and answers at once.
private final class WhereFace: UpstreamProtocol, @unchecked Sendable {
    // @unchecked Sendable: `onLoop` is written only by calls, which the test
    // awaits one at a time, and read after the last one answered.
    let name = "where"
    var onLoop: [Bool] = []
    func call(url: String, payloads: [[UInt8]], timeoutMs: Int64) async -> Result<[[UInt8]], UpstreamCallError> {
        onLoop.append(UpstreamLoop.executor.eventLoop.inEventLoop)
        return .success(payloads)
    }
    func shutdown() {}
}

@Suite struct UpstreamLoopTests {
    /// Each call's code runs on the worker's upstream loop, where the faces'
    /// connections are (not on Swift concurrency's pool), and its answer
    /// comes back on the worker's libuv loop.
    @Test func aCallRunsOnTheUpstreamLoopAndAnswersOnTheWorkersLoop() throws {
        let loop = try UVLoop()
        let face = WhereFace()
        let backend = try UpstreamBackend(loop: loop, face: face, configuration: .init(urls: ["x://u"]),
                                          logger: Logger(label: "test"), metrics: WorkerMetrics())
        var answers: [[BatchResult.Outcome]] = []
        backend.execute([Array("a".utf8)]) { first in
            answers.append(first.outcomes)
            backend.execute([Array("b".utf8)]) { second in
                answers.append(second.outcomes)
                backend.close()
            }
        }
        // The pending call keeps nothing alive on the loop by itself: hold it open until both answers.
        let keep = try UVTimer(loop: loop)
        keep.start(afterMilliseconds: 1, repeat: 1) { if answers.count == 2 { keep.close() } }
        loop.run()
        #expect(answers.map { $0.map(\.body) } == [[Array("a".utf8)], [Array("b".utf8)]])
        #expect(face.onLoop == [true, true])
        #expect(loop.close().isEmpty)
    }

    /// A call that answered on a later try says when that try was sent (after
    /// the failed tries and at least their backoff), so the worker times the
    /// call from there; a first-try answer says 0.
    @Test func aRetriedCallSaysWhenItsAnsweringTryWasSent() throws {
        let loop = try UVLoop()
        var configuration = UpstreamBackend.Configuration(urls: ["x://u"])
        configuration.backoffMs = 20
        let face = FailingFirstFace(failures: 2)
        let backend = try UpstreamBackend(loop: loop, face: face, configuration: configuration,
                                          logger: Logger(label: "test"), metrics: WorkerMetrics())
        var answers: [CallAnswer] = []
        backend.execute([Array("a".utf8)]) { retried in
            answers.append(retried)
            backend.execute([Array("b".utf8)]) { first in
                answers.append(first)
                backend.close()
            }
        }
        let keep = try UVTimer(loop: loop)
        keep.start(afterMilliseconds: 1, repeat: 1) { if answers.count == 2 { keep.close() } }
        loop.run()
        #expect(face.calls == 4, "two failed tries and the answering one, then one try")
        #expect(answers.map { $0.outcomes.map(\.status) } == [[.ok], [.ok]])
        // Backoffs of 20 then 40 ms come before the third try.
        #expect(answers[0].lastTryAfterNs >= 60_000_000, "\(answers[0].lastTryAfterNs)")
        #expect(answers[1].lastTryAfterNs == 0)
        #expect(loop.close().isEmpty)
    }
}
