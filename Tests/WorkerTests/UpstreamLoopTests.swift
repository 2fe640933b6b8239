import LibUV
import Logging
import Testing
import Wire
@testable import Worker

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
            answers.append(first)
            backend.execute([Array("b".utf8)]) { second in
                answers.append(second)
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
}
