import Link
import LinkEmbedded
import Logging
import Testing
import Wire
import Worker

/// A backend whose calls end when the test says so.
final class ManualBackend: Backend {
    let name = "manual"
    let batchLimit: Int
    let concurrency: Int
    let pipeline: Int
    var onMetricsChange: (() -> Void)?
    private(set) var calls: [(payloads: [[UInt8]], finish: (CallAnswer) -> Void)] = []

    init(batchLimit: Int = 5, concurrency: Int = 1, pipeline: Int = 0) {
        self.batchLimit = batchLimit
        self.concurrency = concurrency
        self.pipeline = pipeline
    }

    func execute(_ payloads: [[UInt8]], completion: @escaping (CallAnswer) -> Void) {
        calls.append((payloads, completion))
    }

    /// Ends call `index`, labelling each text with itself upper-cased; its
    /// answering try sent `lastTryAfterNs` after the call was made.
    func finish(_ index: Int, lastTryAfterNs: Int64 = 0) {
        let outcomes = calls[index].payloads.map { BatchResult.Outcome(status: .ok, body: Array(String(decoding: $0, as: UTF8.self).uppercased().utf8)) }
        calls[index].finish(CallAnswer(outcomes, lastTryAfterNs: lastTryAfterNs))
    }
}

/// The worker's logic over the embedded reactor: no process, no socket, no sleep.
@Suite struct WorkerServerTests {
    let reactor = EmbeddedReactor()
    let backend = ManualBackend()
    let worker: WorkerServer

    init() throws {
        worker = WorkerServer(reactor: reactor, backend: backend, configuration: .init(socketPath: "worker"), logger: Logger(label: "test"))
        try worker.start()
    }

    /// A scheduler stand-in that said hello; its greeting is consumed.
    func scheduler() throws -> EmbeddedPeer {
        let peer = try reactor.connectPeer(to: "worker")
        peer.send(Handshake.hello(from: .scheduler))
        reactor.run()
        return peer
    }

    static func batch(_ id: UInt64, _ texts: [String]) -> Message {
        .batch(Batch(batchID: id, items: texts.enumerated().map { .init(id: UInt64($0.offset + 1), payload: Array($0.element.utf8)) }))
    }

    static func results(_ messages: [Message]) -> [BatchResult] {
        messages.compactMap { if case let .batchResult(r) = $0 { r } else { nil } }
    }

    @Test func aSchedulerLearnsTheCapacityAndGetsOneOutcomePerItemInOrder() throws {
        let s = try scheduler()
        let greeting = s.take()
        #expect(greeting.first == Handshake.hello(from: .worker))
        #expect(greeting.contains(.capacity(model: "classifier", batchLimit: 5, slots: 1)))
        s.send(Self.batch(7, ["a", "b", "c"]))
        reactor.run()
        #expect(backend.calls.count == 1)
        backend.finish(0)
        reactor.run()
        let result = try #require(Self.results(s.take()).first)
        #expect(result.batchID == 7 && result.outcomes.map { String(decoding: $0.body, as: UTF8.self) } == ["A", "B", "C"])
    }

    @Test func aBatchOverTheLimitIsRefusedNeverTruncated() throws {
        let s = try scheduler()
        _ = s.take()
        s.send(Self.batch(1, ["1", "2", "3", "4", "5", "6"]))
        reactor.run()
        let result = try #require(Self.results(s.take()).first)
        #expect(backend.calls.isEmpty)
        #expect(result.outcomes.count == 6 && result.outcomes.allSatisfy { $0.status == .invalid })
        #expect(String(decoding: result.outcomes[0].body, as: UTF8.self) == "batch of 6 items exceeds the backend limit of 5 for model 'classifier'")
    }

    @Test func aSchedulerThatSendsMoreThanItsSlotsIsToldBusy() throws {
        let s = try scheduler()
        _ = s.take()
        s.send(Self.batch(1, ["a"]), Self.batch(2, ["b"]))
        reactor.run()
        let busy = try #require(Self.results(s.take()).first)
        #expect(busy.batchID == 2 && busy.outcomes.allSatisfy { $0.status == .busy })
        #expect(backend.calls.count == 1)
    }

    /// The defect the chaos soak found: a new scheduler is told the worker's
    /// full capacity while a call of the dead one still runs; its batch waits
    /// for that call instead of being refused.
    @Test func aNewSchedulersBatchWaitsForADepartedSchedulersCall() throws {
        let old = try scheduler()
        old.send(Self.batch(1, ["old"]))
        reactor.run()
        old.link.close()
        let new = try scheduler()
        #expect(new.take().contains(.capacity(model: "classifier", batchLimit: 5, slots: 1)))
        new.send(Self.batch(1, ["new"]))
        reactor.run()
        #expect(backend.calls.count == 1, "the backend ran two calls at once past its concurrency of 1")
        #expect(Self.results(new.take()).isEmpty, "the new scheduler's batch was answered before it ran")
        backend.finish(0)  // the dead scheduler's call ends: its answer has nowhere to go
        reactor.run()
        #expect(backend.calls.count == 2)
        backend.finish(1)
        reactor.run()
        let result = try #require(Self.results(new.take()).first)
        #expect(result.outcomes.map(\.status) == [.ok] && String(decoding: result.outcomes[0].body, as: UTF8.self) == "NEW")
    }

    @Test func aPeerThatIsNotASchedulerIsClosed() throws {
        let intruder = try reactor.connectPeer(to: "worker")
        intruder.send(Handshake.hello(from: .ingress))
        reactor.run()
        #expect(intruder.ended != nil)
        #expect(!intruder.take().contains { if case .capacity = $0 { true } else { false } })
    }
}

/// A backend that queues calls (`pipeline`): the worker keeps one more in
/// flight per call running, and times each from when it could run.
@Suite struct PipelinedWorkerTests {
    let reactor = EmbeddedReactor()
    let backend = ManualBackend(concurrency: 1, pipeline: 1)
    let worker: WorkerServer

    init() throws {
        worker = WorkerServer(reactor: reactor, backend: backend, configuration: .init(socketPath: "worker"), logger: Logger(label: "test"))
        try worker.start()
    }

    @Test func theSchedulerIsToldTheQueuedSlotsAndTheSecondCallIsTimedFromTheFirstsEnd() throws {
        let s = try reactor.connectPeer(to: "worker")
        s.send(Handshake.hello(from: .scheduler))
        reactor.run()
        #expect(s.take().contains(.capacity(model: "classifier", batchLimit: 5, slots: 2)))
        s.send(WorkerServerTests.batch(1, ["a"]), WorkerServerTests.batch(2, ["b"]), WorkerServerTests.batch(3, ["c"]))
        reactor.run()
        #expect(backend.calls.count == 2, "one call running and one sent ahead, no third")
        let busy = try #require(WorkerServerTests.results(s.take()).first)
        #expect(busy.batchID == 3 && busy.outcomes.allSatisfy { $0.status == .busy })
        reactor.advance(byMilliseconds: 30)
        backend.finish(0)
        reactor.run()
        reactor.advance(byMilliseconds: 5)
        backend.finish(1)
        reactor.run()
        let results = WorkerServerTests.results(s.take())
        #expect(results.map(\.batchID) == [1, 2])
        #expect(results.map(\.serviceNs) == [30_000_000, 5_000_000], "the second waited 30 ms in the server's queue; it ran 5")
    }

    /// A call tried again is timed from its answering try: what the failed
    /// tries and the backoff took is not the model's service time.
    @Test func aRetriedCallIsTimedFromItsAnsweringTry() throws {
        let s = try reactor.connectPeer(to: "worker")
        s.send(Handshake.hello(from: .scheduler))
        reactor.run()
        _ = s.take()
        s.send(WorkerServerTests.batch(1, ["a"]))
        reactor.run()
        reactor.advance(byMilliseconds: 90)
        backend.finish(0, lastTryAfterNs: 80_000_000)
        reactor.run()
        let results = WorkerServerTests.results(s.take())
        #expect(results.map(\.serviceNs) == [10_000_000], "tried again 80 ms after the call was made, answered 10 ms later")
    }
}
