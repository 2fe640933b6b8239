import Foundation
import Link
import LinkEmbedded
import CostModel
import Logging
import Scheduler
import Scheduling
import StrategySDK
import Testing
import Wire

/// A scheduler serving two models over the embedded reactor: each model's
/// requests queue and batch on their own, under the capacity the worker
/// announced for that model.
@Suite struct ModelLaneTests {
    let reactor = EmbeddedReactor()
    let workers: EmbeddedPeerListener
    let scheduler: SchedulerServer

    init() throws {
        workers = try reactor.listenAsPeer(at: "worker")
        scheduler = SchedulerServer(reactor: reactor,
                                    models: [.init(name: "a", strategy: OldestFirst(), maxQueued: 100),
                                             .init(name: "b", strategy: OldestFirst(), maxQueued: 2)],
                                    configuration: .init(socketPath: "scheduler", workerPath: "worker"),
                                    logger: Logger(label: "test"))
        try scheduler.start()
        reactor.run()
    }

    func worker(_ capacities: [Message]) throws -> EmbeddedPeer {
        let w = try #require(workers.accepted.last)
        _ = w.take()
        w.link.send([Handshake.hello(from: .worker)] + capacities)
        reactor.run()
        return w
    }

    func ingress() throws -> (EmbeddedPeer, [Message]) {
        let i = try reactor.connectPeer(to: "scheduler")
        i.send(Handshake.hello(from: .ingress))
        reactor.run()
        return (i, i.take())
    }

    static func submit(_ id: UInt64, _ model: String, _ text: String) -> Message {
        .submit(Submit(id: id, model: model, client: "C", cost: UInt64(text.count), payload: Array(text.utf8)))
    }

    static func answer(_ batch: Batch) -> Message {
        .batchResult(BatchResult(batchID: batch.batchID, serviceNs: 1_000,
                                 outcomes: batch.items.map { .init(status: .ok, body: Array("\(batch.model):".utf8) + $0.payload) }))
    }

    @Test func eachModelBatchesItsOwnItemsUnderItsOwnCapacity() throws {
        let w = try worker([.capacity(model: "a", batchLimit: 3, slots: 1), .capacity(model: "b", batchLimit: 1, slots: 1)])
        let (i, greeting) = try ingress()
        // The ingress learns both models' capacity and status.
        #expect(greeting.contains(.capacity(model: "a", batchLimit: 3, slots: 1)))
        #expect(greeting.contains(.capacity(model: "b", batchLimit: 1, slots: 1)))
        #expect(greeting.compactMap { if case let .status(s) = $0 { s.model } else { nil } } == ["a", "b"])

        // One of each first: both backends idle, so both run at once.
        i.send(Self.submit(1, "a", "a1"), Self.submit(2, "b", "b1"))
        reactor.run()
        let first = w.take().batches
        #expect(first.map(\.model).sorted() == ["a", "b"])
        // More of each while both are busy: they queue in their own lanes.
        i.send(Self.submit(3, "a", "a2"), Self.submit(4, "a", "a3"), Self.submit(5, "b", "b2"), Self.submit(6, "a", "a4"))
        reactor.run()
        #expect(w.take().batches.isEmpty)
        // Model b's backend frees: only b's next item runs (its batch limit is 1).
        w.send(Self.answer(first.first { $0.model == "b" }!))
        reactor.run()
        let nextB = w.take().batches
        #expect(nextB.map(\.model) == ["b"] && nextB.map { $0.items.map { String(decoding: $0.payload, as: UTF8.self) } } == [["b2"]])
        // Model a's frees: its three queued items go in one batch (its limit is 3).
        w.send(Self.answer(first.first { $0.model == "a" }!))
        reactor.run()
        let nextA = w.take().batches
        #expect(nextA.map { $0.items.map { String(decoding: $0.payload, as: UTF8.self) } } == [["a2", "a3", "a4"]])
        #expect(Set(first.map(\.batchID) + nextA.map(\.batchID) + nextB.map(\.batchID)).count == 4)  // ids unique across models
        w.send(Self.answer(nextA[0]), Self.answer(nextB[0]))
        reactor.run()
        let answers = i.take().results
        #expect(answers.count == 6 && answers.allSatisfy { $0.status == .ok })
        #expect(answers.first { $0.id == 5 }?.body == Array("b:b2".utf8))
        #expect(answers.first { $0.id == 6 }?.body == Array("a:a4".utf8))
    }

    @Test func aModelsQueueBoundIsItsOwnAndAnUnknownModelIsRefused() throws {
        let w = try worker([.capacity(model: "a", batchLimit: 5, slots: 1), .capacity(model: "b", batchLimit: 5, slots: 1)])
        let (i, _) = try ingress()
        i.send(Self.submit(1, "b", "running"))  // dispatched: b's backend is busy from here on
        reactor.run()
        #expect(w.take().batches.count == 1)
        i.send(Self.submit(2, "b", "q1"), Self.submit(3, "b", "q2"), Self.submit(4, "b", "over"))
        i.send(Self.submit(5, "a", "a is not full"), Self.submit(6, "nope", "x"))
        reactor.run()
        let answers = i.take().results
        #expect(answers.first { $0.id == 4 }?.status == .rejected)  // b holds 2 queued: its bound
        #expect(answers.first { $0.id == 5 } == nil)  // a's own queue took it (and ran it)
        let unknown = answers.first { $0.id == 6 }
        #expect(unknown?.status == .invalid && String(decoding: unknown?.body ?? [], as: UTF8.self).contains("'a', 'b'"))
        #expect(w.take().batches.map(\.model) == ["a"])
    }

    @Test func aModelTheWorkerHasNotAnnouncedGetsNoBatches() throws {
        let w = try worker([.capacity(model: "a", batchLimit: 5, slots: 1)])
        let (i, greeting) = try ingress()
        #expect(greeting.contains(.capacity(model: "b", batchLimit: 5, slots: 0)))
        i.send(Self.submit(1, "b", "waits"), Self.submit(2, "a", "runs"))
        reactor.run()
        #expect(w.take().batches.map(\.model) == ["a"])
        w.send(.capacity(model: "b", batchLimit: 5, slots: 1))
        reactor.run()
        #expect(w.take().batches.map(\.model) == ["b"])
        #expect(i.take().contains(.capacity(model: "b", batchLimit: 5, slots: 1)))
    }
}

/// One scheduler serving one model "m" on the embedded reactor, with the
/// test standing in for the worker (which announced `batchLimit` and one
/// slot) and for a connected ingress whose greeting was read.
struct OneLane {
    let reactor = EmbeddedReactor()
    let scheduler: SchedulerServer
    let worker: EmbeddedPeer
    let ingress: EmbeddedPeer

    init(_ model: SchedulerServer.Model, batchLimit: UInt32, slots: UInt32 = 1, learnedCalls: String? = nil) throws {
        let workers = try reactor.listenAsPeer(at: "worker")
        scheduler = SchedulerServer(reactor: reactor, models: [model],
                                    configuration: .init(socketPath: "scheduler", workerPath: "worker", learnedCallsDirectory: learnedCalls),
                                    logger: Logger(label: "test"))
        try scheduler.start()
        reactor.run()
        worker = try #require(workers.accepted.last)
        _ = worker.take()
        worker.link.send([Handshake.hello(from: .worker), .capacity(model: model.name, batchLimit: batchLimit, slots: slots)])
        reactor.run()
        ingress = try reactor.connectPeer(to: "scheduler")
        ingress.send(Handshake.hello(from: .ingress))
        reactor.run()
    }

    /// A request for "m" of `size` characters.
    static func submit(_ id: UInt64, _ size: Int, timeoutMs: UInt32 = 0) -> Message {
        .submit(Submit(id: id, model: "m", client: "C", cost: UInt64(size), timeoutMs: timeoutMs, payload: Array(repeating: 0x61, count: size)))
    }
}

/// A lane that learns its backend's cost law from the calls' measured times.
@Suite struct LaneLearningTests {
    @Test func theLawInForceIsLearnedFromTheCallsAndReported() throws {
        let prior = CostModel.seed(unitMs: 1)
        let lane = try OneLane(.init(name: "m", strategy: OldestFirst(), costModel: prior,
                                     learning: .init(terms: [.fixed, .longestSquared], prior: prior, priorCalls: 4)), batchLimit: 1)
        func cost(_ messages: [Message]) -> String? {
            messages.compactMap { if case let .status(s) = $0 { s.cost } else { nil } }.last
        }
        #expect(cost(lane.ingress.take())?.hasSuffix("(the prior: no call yet)") == true)
        // The backend really costs 5 ms a call plus 2 µs per size²: twelve calls of sizes 1…12.
        for n in 1...12 {
            lane.ingress.send(OneLane.submit(UInt64(n), n))
            lane.reactor.run()
            let batch = try #require(lane.worker.take().batches.first)
            let ns = 5_000_000 + 2_000 * n * n
            lane.worker.send(.batchResult(BatchResult(batchID: batch.batchID, serviceNs: UInt64(ns), outcomes: [.init(status: .ok, body: [])])))
            lane.reactor.run()
        }
        lane.reactor.advance(byMilliseconds: 200)  // the status goes out at most ten times a second
        let said = try #require(cost(lane.ingress.take()))
        #expect(said.hasPrefix("5.0 ms + 2.0 µs·m² (learned from 12 calls"), "\(said)")
    }

    /// The strategy is told the law is still the prior (ABI 1.2's
    /// `law_is_prior`) until the lane's first call is measured, and never
    /// when the lane does not learn (its law is configured) or resumes kept calls.
    @Test func theStrategyIsToldWhileTheLawIsStillThePrior() throws {
        let prior = CostModel.seed(unitMs: 1)
        let learning = CostLearner.Configuration(terms: [.fixed, .longestSquared], prior: prior, priorCalls: 4)
        let probe = PriorProbe()
        let lane = try OneLane(.init(name: "m", strategy: probe, costModel: prior, learning: learning), batchLimit: 1)
        for n in 1...2 {
            lane.ingress.send(OneLane.submit(UInt64(n), n))
            lane.reactor.run()
            let batch = try #require(lane.worker.take().batches.first)
            lane.worker.send(.batchResult(BatchResult(batchID: batch.batchID, serviceNs: 5_000_000, outcomes: [.init(status: .ok, body: [])])))
            lane.reactor.run()
        }
        #expect(probe.seen == [true, false])

        let configured = PriorProbe()
        let known = try OneLane(.init(name: "m", strategy: configured, costModel: prior), batchLimit: 1)
        known.ingress.send(OneLane.submit(1, 1))
        known.reactor.run()
        #expect(configured.seen == [false])

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lane-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let first = try OneLane(.init(name: "m", strategy: OldestFirst(), costModel: prior, learning: learning, costSource: "s"),
                                batchLimit: 1, learnedCalls: folder)
        try Self.serveTwelveCalls(first)
        first.reactor.advance(byMilliseconds: 1_000)  // kept
        let resumedProbe = PriorProbe()
        let resumed = try OneLane(.init(name: "m", strategy: resumedProbe, costModel: prior, learning: learning, costSource: "s"),
                                  batchLimit: 1, learnedCalls: folder)
        resumed.ingress.send(OneLane.submit(1, 1))
        resumed.reactor.run()
        #expect(resumedProbe.seen == [false])
    }

    /// Oldest first, noting at each decision what the host says of its law.
    final class PriorProbe: SchedulingStrategy {
        let inner = OldestFirst()
        private var host: HostEstimates?
        private(set) var seen: [Bool] = []
        var queued: QueuedItems? { inner.queued }
        func attached(_ host: HostEstimates) {
            self.host = host
            inner.attached(host)
        }
        func arrived(_ item: Item, now: Int64) { inner.arrived(item, now: now) }
        func nextBatch(now: Int64, freeSlots: Int, batch: inout BatchBuilder) -> Int64 {
            seen.append(host?.lawIsPrior ?? false)
            return inner.nextBatch(now: now, freeSlots: freeSlots, batch: &batch)
        }
    }

    /// The last reported cost law in `messages`.
    static func cost(_ messages: [Message]) -> String? {
        messages.compactMap { if case let .status(s) = $0 { s.cost } else { nil } }.last
    }

    /// Twelve calls of sizes 1…12 costing 5 ms + 2 µs·size², answered by the test's worker.
    static func serveTwelveCalls(_ lane: OneLane) throws {
        for n in 1...12 {
            lane.ingress.send(OneLane.submit(UInt64(n), n))
            lane.reactor.run()
            let batch = try #require(lane.worker.take().batches.first)
            lane.worker.send(.batchResult(BatchResult(batchID: batch.batchID, serviceNs: UInt64(5_000_000 + 2_000 * n * n),
                                                      outcomes: [.init(status: .ok, body: [])])))
            lane.reactor.run()
        }
    }

    /// The calls are kept (within a second of the last) and the next
    /// scheduler on the same folder starts from the law they teach, before
    /// any call of its own; one measured on another backend is not used.
    @Test func theNextSchedulerResumesTheLawFromTheKeptCalls() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lane-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let prior = CostModel.seed(unitMs: 1)
        func model(_ source: String) -> SchedulerServer.Model {
            .init(name: "m", strategy: OldestFirst(), costModel: prior,
                  learning: .init(terms: [.fixed, .longestSquared], prior: prior, priorCalls: 4), costSource: source)
        }
        let first = try OneLane(model("simulated A"), batchLimit: 1, learnedCalls: folder)
        try Self.serveTwelveCalls(first)
        let file = "\(folder)/\(LearnedCalls.fileName(model: "m"))"
        #expect(try LearnedCalls.read(from: file) == nil, "kept at most once a second, not per call")
        first.reactor.advance(byMilliseconds: 1_000)
        let kept = try #require(try LearnedCalls.read(from: file))
        #expect(kept.model == "m" && kept.source == "simulated A" && kept.learnerCalls.count == 12)

        let next = try OneLane(model("simulated A"), batchLimit: 1, learnedCalls: folder)
        let resumed = try #require(Self.cost(next.ingress.take()))
        #expect(resumed.hasPrefix("5.0 ms + 2.0 µs·m² (learned from 12 calls"), "\(resumed)")

        let other = try OneLane(model("simulated B"), batchLimit: 1, learnedCalls: folder)
        #expect(Self.cost(other.ingress.take())?.hasSuffix("(the prior: no call yet)") == true)
    }

    /// Calls that could not be kept (the folder was missing) are kept once it
    /// can be written, on the way out at the latest — not lost as if kept.
    @Test func callsThatCouldNotBeKeptAreKeptOnTheWayOut() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lane-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let prior = CostModel.seed(unitMs: 1)
        let lane = try OneLane(.init(name: "m", strategy: OldestFirst(), costModel: prior,
                                     learning: .init(terms: [.fixed, .longestSquared], prior: prior, priorCalls: 4), costSource: "s"),
                               batchLimit: 1, learnedCalls: folder)
        try Self.serveTwelveCalls(lane)
        lane.reactor.advance(byMilliseconds: 1_000)  // the write fails: no folder
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var finished: Int32?
        lane.scheduler.onFinished = { finished = $0 }  // as the process's main does
        lane.scheduler.drain()  // nothing queued or running: it finishes, keeping what it learned
        lane.reactor.run()
        #expect(finished == 0)
        let kept = try #require(try LearnedCalls.read(from: "\(folder)/\(LearnedCalls.fileName(model: "m"))"))
        #expect(kept.learnerCalls.count == 12)
    }
}

/// Predictive admission: a request the cost law says would finish after its
/// deadline is refused at once; the others are admitted.
@Suite struct PredictiveAdmissionTests {
    @Test func whatWouldMissItsDeadlineIsRefusedAtOnceAndTheRestAdmitted() throws {
        // 10 ms a call plus 1 ms per size²: known, not learned.
        let lane = try OneLane(.init(name: "m", strategy: OldestFirst(), costModel: .seed(unitMs: 1, callMs: 10), predictiveAdmission: true),
                               batchLimit: 2)
        _ = lane.ingress.take()
        // One call running (10 + 100 ms), then four queued of size 10: two calls of 110 ms ahead.
        lane.ingress.send(OneLane.submit(1, 10))
        lane.reactor.run()
        #expect(lane.worker.take().batches.count == 1)
        lane.ingress.send(OneLane.submit(2, 10), OneLane.submit(3, 10), OneLane.submit(4, 10), OneLane.submit(5, 10))
        lane.reactor.run()
        // 40 ms later: 70 ms left of the running call + 220 ms queued + its own 11 ms ≈ 301 ms.
        lane.reactor.advance(byMilliseconds: 40)
        lane.ingress.send(OneLane.submit(6, 1, timeoutMs: 250), OneLane.submit(7, 1, timeoutMs: 400), OneLane.submit(8, 1))
        lane.reactor.run()
        let answers = lane.ingress.take().results
        let refused = try #require(answers.first { $0.id == 6 })
        #expect(refused.status == .rejected && refused.retryAfterMs >= 1_000)
        #expect(String(decoding: refused.body, as: UTF8.self).hasPrefix("predicted to finish in 301 ms, after its deadline of 250 ms"),
                "\(String(decoding: refused.body, as: UTF8.self))")
        #expect(answers.allSatisfy { $0.id == 6 }, "7 (deadline 400 ms) and 8 (none) are admitted: \(answers)")
    }

    /// With `pipeline` 1 the worker's two slots are one call running and one
    /// waiting in the server's queue: the one sent ahead goes 1 ms before the
    /// running one is predicted to end, has all of its time still to do, and
    /// the backend runs one call at a time, not two.
    @Test func aCallSentAheadIsPredictedToRunAfterTheOneRunning() throws {
        let lane = try OneLane(.init(name: "m", strategy: OldestFirst(), costModel: .seed(unitMs: 1, callMs: 10), predictiveAdmission: true,
                                     pipeline: 1), batchLimit: 2, slots: 2)
        _ = lane.ingress.take()
        lane.ingress.send(OneLane.submit(1, 10))
        lane.reactor.run()
        #expect(lane.worker.take().batches.count == 1, "the server was free: sent at once")
        lane.reactor.advance(byMilliseconds: 100)
        lane.ingress.send(OneLane.submit(2, 10), OneLane.submit(3, 10), OneLane.submit(4, 10))
        lane.reactor.run()
        #expect(lane.worker.take().batches.isEmpty, "sent ahead only as the running call (10 + 100 ms) is about to end")
        lane.reactor.advance(byMilliseconds: 9)
        #expect(lane.worker.take().batches.map { $0.items.map(\.id) }.count == 1, "sent ahead 1 ms before the server is free")
        // 1 ms left of the running call + 110 of the one sent ahead + 110 queued + its own 11 ms.
        lane.ingress.send(OneLane.submit(6, 1, timeoutMs: 200), OneLane.submit(7, 1, timeoutMs: 300))
        lane.reactor.run()
        let answers = lane.ingress.take().results
        let refused = try #require(answers.first { $0.id == 6 })
        #expect(String(decoding: refused.body, as: UTF8.self).hasPrefix("predicted to finish in 232 ms, after its deadline of 200 ms"),
                "\(String(decoding: refused.body, as: UTF8.self))")
        #expect(answers.allSatisfy { $0.id == 6 }, "7 (deadline 300 ms) is admitted: \(answers)")
    }

    @Test func withoutItADeadlineIsOnlyCheckedWhileQueued() throws {
        let lane = try OneLane(.init(name: "m", strategy: OldestFirst(), costModel: .seed(unitMs: 1, callMs: 10)), batchLimit: 2)
        _ = lane.ingress.take()
        lane.ingress.send(OneLane.submit(1, 50), OneLane.submit(2, 1, timeoutMs: 5))
        lane.reactor.run()
        #expect(lane.ingress.take().results.isEmpty)  // admitted; it expires later, unsent
    }
}
