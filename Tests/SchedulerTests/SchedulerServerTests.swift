import Link
import LinkEmbedded
import Logging
import Scheduler
import Scheduling
import StrategySDK
import Testing
import Wire

/// The scheduler's logic over the embedded reactor: the test stands in for
/// the worker, the ingress and the supervisor. No process, no socket, no sleep.
@Suite struct SchedulerServerTests {
    let reactor = EmbeddedReactor()
    let workers: EmbeddedPeerListener
    let supervisor: EmbeddedPeerListener
    let scheduler: SchedulerServer

    init(maxQueued: Int = 10_000, supervised: Bool = false) throws {
        workers = try reactor.listenAsPeer(at: "worker")
        supervisor = try reactor.listenAsPeer(at: "control")
        scheduler = SchedulerServer(reactor: reactor, strategy: OldestFirst(),
                                    configuration: .init(socketPath: "scheduler", workerPath: "worker",
                                                         controlPath: supervised ? "control" : nil, maxQueued: maxQueued),
                                    logger: Logger(label: "test"))
        try scheduler.start()
        reactor.run()
    }

    /// The newest worker link, greeted as a worker with `slots` slots.
    @discardableResult
    func worker(slots: UInt32 = 1) throws -> EmbeddedPeer {
        let w = try #require(workers.accepted.last)
        #expect(w.take().first == Handshake.hello(from: .scheduler))
        w.send(Handshake.hello(from: .worker), .capacity(model: "classifier", batchLimit: 5, slots: slots))
        reactor.run()
        return w
    }

    func ingress() throws -> EmbeddedPeer {
        let i = try reactor.connectPeer(to: "scheduler")
        i.send(Handshake.hello(from: .ingress))
        reactor.run()
        _ = i.take()
        return i
    }

    static func submit(_ id: UInt64, _ text: String, timeoutMs: UInt32 = 0) -> Message {
        .submit(Submit(id: id, client: "A", cost: UInt64(text.count), timeoutMs: timeoutMs, payload: Array(text.utf8)))
    }

    /// Answers `batch` with each payload upper-cased.
    static func answer(_ batch: Batch) -> Message {
        .batchResult(BatchResult(batchID: batch.batchID, serviceNs: 1_000,
                                 outcomes: batch.items.map { .init(status: .ok, body: Array(String(decoding: $0.payload, as: UTF8.self).uppercased().utf8)) }))
    }

    @Test func requestsAreBatchedAndEachAnswerGoesBackUnderItsOwnID() throws {
        let w = try worker()
        let i = try ingress()
        i.send(Self.submit(10, "aa"))  // dispatched at once: the backend is idle
        reactor.run()
        i.send(Self.submit(11, "bb"), Self.submit(12, "cc"))
        reactor.run()
        let first = w.take().batches
        #expect(first.map { $0.items.count } == [1])
        w.send(Self.answer(first[0]))
        reactor.run()
        let second = w.take().batches
        #expect(second.map { $0.items.map { String(decoding: $0.payload, as: UTF8.self) } } == [["bb", "cc"]])
        w.send(Self.answer(second[0]))
        reactor.run()
        let answers = i.take().results
        #expect(answers.map(\.id) == [10, 11, 12])
        #expect(answers.map { String(decoding: $0.body, as: UTF8.self) } == ["AA", "BB", "CC"])
    }

    /// Requests read together are decided together: a free slot takes them
    /// all in one call, not the first alone (one decision per request sent
    /// 2.1 items a call under a closed loop whose reads carried several).
    @Test func requestsReadTogetherShareOneDecision() throws {
        let w = try worker(slots: 4)
        let i = try ingress()
        i.send(Self.submit(1, "a"), Self.submit(2, "b"), Self.submit(3, "c"))
        reactor.run()
        #expect(w.take().batches.map { $0.items.map(\.id).count } == [3])
    }

    /// An answer for a request whose ingress link died goes nowhere — never
    /// to a later link (links are numbered, not told apart by address).
    @Test func anAnswerForADeadLinkNeverReachesANewOne() throws {
        let w = try worker()
        var first: EmbeddedPeer? = try ingress()
        first?.send(Self.submit(1, "a"))
        reactor.run()
        let batch = try #require(w.take().batches.first)
        first?.link.close()
        first = nil
        reactor.run()
        let second = try ingress()
        w.send(Self.answer(batch))
        reactor.run()
        #expect(second.take().results.isEmpty)
    }

    @Test func aResubmissionOfAHeldRequestIsIdempotent() throws {
        let w = try worker()
        let i = try ingress()
        i.send(Self.submit(1, "x"), Self.submit(1, "x"))
        reactor.run()
        let sent = w.take().batches
        #expect(sent.flatMap(\.items).count == 1)
        w.send(Self.answer(sent[0]))
        reactor.run()
        #expect(i.take().results.map(\.id) == [1])
    }

    static func statuses(_ messages: [Message]) -> [SchedulerStatus] {
        messages.compactMap { if case let .status(s) = $0 { s } else { nil } }
    }

    /// A withdrawn request shortens the queue, and the ingress is told so
    /// though nothing else happens (its `/readyz` is what clients wait on).
    @Test func aCancelledRequestIsReportedGoneFromTheQueue() throws {
        _ = try worker()
        let i = try ingress()
        i.send(Self.submit(1, "busy"))  // runs
        reactor.run()
        i.send(Self.submit(2, "b"), Self.submit(3, "c"))  // wait
        reactor.run()
        reactor.advance(byMilliseconds: 200)
        #expect(Self.statuses(i.take()).last?.queued == 2)
        i.send(.cancel(id: 2))
        reactor.run()
        reactor.advance(byMilliseconds: 200)
        #expect(Self.statuses(i.take()).last?.queued == 1)
    }

    @Test func aFullQueueAnswersRejectedWithARetryAfter() throws {
        let s = try SchedulerServerTests(maxQueued: 2)
        let i = try s.ingress()  // no worker yet: everything stays queued
        i.send(Self.submit(1, "a"), Self.submit(2, "b"), Self.submit(3, "c"))
        s.reactor.run()
        let refused = try #require(i.take().results.first)
        #expect(refused.id == 3 && refused.status == .rejected && refused.retryAfterMs >= 1_000)
        #expect(String(decoding: refused.body, as: UTF8.self) == "queue full (2 requests)")
    }

    /// Without a supervisor to say otherwise, a lost call is a crash: its
    /// items run again one by one (a poison item fails alone), reconnecting
    /// to the restarted worker on the reconnect timer.
    @Test func aBatchLostWithTheWorkerRunsAgainItemByItem() throws {
        let w = try worker()
        let i = try ingress()
        w.send(.capacity(model: "classifier", batchLimit: 5, slots: 1))
        i.send(Self.submit(1, "a"))
        reactor.run()
        i.send(Self.submit(2, "b"), Self.submit(3, "c"))
        reactor.run()
        _ = w.take().batches  // [a]; b and c wait
        w.send(Self.answer(Batch(batchID: 1, items: [.init(id: 1, payload: Array("a".utf8))])))
        reactor.run()
        #expect(w.take().batches.flatMap(\.items).count == 2)  // [b, c] in flight
        w.link.close()  // the worker dies with the call
        reactor.advance(byMilliseconds: 10)  // the reconnect timer (5 ms)
        let again = try worker()
        reactor.run()
        var seen: [[String]] = []
        while let b = again.take().batches.first {
            seen.append(b.items.map { String(decoding: $0.payload, as: UTF8.self) })
            again.send(Self.answer(b))
            reactor.run()
        }
        #expect(seen == [["b"], ["c"]])
        #expect(i.take().results.map(\.status) == [.ok, .ok, .ok])
    }

    /// The supervisor says the worker was killed from outside: nobody's
    /// fault, so the call runs again whole and costs no item a try.
    @Test func aWorkerKilledFromOutsideCostsNoItemATry() throws {
        let s = try SchedulerServerTests(supervised: true)
        let control = try #require(s.supervisor.accepted.first)
        let w = try s.worker()
        let i = try s.ingress()
        i.send(Self.submit(1, "a"))
        s.reactor.run()
        _ = w.take().batches
        i.send(Self.submit(2, "b"), Self.submit(3, "c"))
        s.reactor.run()
        for _ in 0..<4 {  // more kills than the 3 tries a crash would allow
            let current = try #require(s.workers.accepted.last)
            current.link.close()
            control.send(.childExited(role: "worker", crashed: false, detail: "was killed by signal 9"))
            s.reactor.advance(byMilliseconds: 10)
            _ = try s.worker()
        }
        let last = try #require(s.workers.accepted.last)
        let batch = try #require(last.take().batches.first)
        #expect(batch.items.map { String(decoding: $0.payload, as: UTF8.self) } == ["a"])
        last.send(Self.answer(batch))
        s.reactor.run()
        let rest = try #require(last.take().batches.first)
        #expect(rest.items.count == 2, "after a kill from outside the call's items stay together")
        last.send(Self.answer(rest))
        s.reactor.run()
        #expect(i.take().results.map(\.status) == [.ok, .ok, .ok])
    }

    @Test func aBusyAnswerQueuesTheCallAgainAndNeverReachesTheClient() throws {
        let w = try worker()
        let i = try ingress()
        i.send(Self.submit(1, "a"))
        reactor.run()
        let batch = try #require(w.take().batches.first)
        w.send(.batchResult(BatchResult(batchID: batch.batchID, serviceNs: 0,
                                        outcomes: [.init(status: .busy, body: Array("backend busy".utf8))])))
        reactor.run()
        #expect(i.take().results.isEmpty)
        #expect(w.take().batches.isEmpty, "sent again at once: a hot loop")
        reactor.advance(byMilliseconds: 25)
        let again = try #require(w.take().batches.first)
        w.send(Self.answer(again))
        reactor.run()
        #expect(i.take().results.map { String(decoding: $0.body, as: UTF8.self) } == ["A"])
    }

    @Test func aDeadlineThatPassesWhileNoWorkerIsConnectedIsAnsweredExpired() throws {
        let i = try ingress()  // no worker has connected
        i.send(Self.submit(1, "a", timeoutMs: 50))
        reactor.advance(byMilliseconds: 60)
        let expired = try #require(i.take().results.first)
        #expect(expired.status == .expired)
        _ = try worker()
        reactor.run()
        #expect(workers.accepted.last!.take().batches.isEmpty, "an expired request reached the backend")
    }

    /// A worker that dies before its hello (crashing at start) was never a
    /// good link: the reconnect waits keep growing (5, 10, 20, … 100 ms)
    /// instead of starting again from 5 ms at every accept.
    @Test func aWorkerLinkThatEndsBeforeItsHelloDoesNotResetTheBackoff() throws {
        var closed = 0
        for _ in 0..<300 {
            for peer in workers.accepted[closed...] { peer.link.close() }
            closed = workers.accepted.count
            reactor.advance(byMilliseconds: 1)
        }
        // Growing waits: connects at 0, 5, 15, 35, 75, 155, 255 ms. Reset at each accept: about 60.
        #expect(workers.accepted.count >= 5)
        #expect(workers.accepted.count <= 8, "the backoff restarted at an accept that never said hello")
    }
}
