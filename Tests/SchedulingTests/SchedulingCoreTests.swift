import CostModel
import Testing
@testable import Scheduling
import StrategySDK

/// A strategy whose answers the test scripts, recording what it was told.
/// It answers as a C plugin would, straight into the host's buffers, so it
/// can also claim more ids than fit (nonsense the host must refuse).
final class ScriptedStrategy: SchedulingStrategy {
    let name = "scripted"
    var arrivedIDs: [ItemID] = []
    var removedIDs: [(ItemID, RemovalReason)] = []
    var completedIDs: [[ItemID]] = []
    /// Next answers: ids to return, or a wake-up time.
    var answers: [Answer] = []
    enum Answer { case ids([ItemID]), wait(Int64), expire([ItemID], then: [ItemID]) }

    func arrived(_ item: Item, now: Int64) { arrivedIDs.append(item.id) }
    func removed(_ id: ItemID, reason: RemovalReason, now: Int64) { removedIDs.append((id, reason)) }
    func nextBatch(now: Int64, freeSlots: Int, batch: inout BatchBuilder) -> Int64 {
        guard !answers.isEmpty else { return timeNever }
        switch answers.removeFirst() {
        case let .ids(list): answer(list, expiring: [], into: &batch); return timeNever
        case let .wait(t): return t
        case let .expire(gone, then): answer(then, expiring: gone, into: &batch); return timeNever
        }
    }
    func completed(ids: BatchIDs, serviceNs: Int64, success: Bool, now: Int64) { completedIDs.append(Array(ids)) }

    private func answer(_ ids: [ItemID], expiring gone: [ItemID], into batch: inout BatchBuilder) {
        for (i, id) in ids.prefix(batch.capacity).enumerated() { batch.rawIDs[i] = id }
        for (i, id) in gone.prefix(batch.expireCapacity).enumerated() { batch.rawExpireIDs![i] = id }
        batch.adopt(claimed: ids.count, expired: gone.count)
    }
}

@Suite struct SchedulingCoreTests {
    @Test func itemsInBatchesOutWithTheFakeClock() {
        let core = SchedulingCore(strategy: OldestFirst(), configuration: .init(batchLimit: 5, slots: 1))
        var now: Int64 = 1_000
        let ids = (0..<7).compactMap { i in core.enqueue(client: "A", cost: UInt64(5 + i), now: now) }
        #expect(ids == [1, 2, 3, 4, 5, 6, 7])

        let first = core.schedule(now: now)
        #expect(first.dispatches == [.init(batchID: 1, ids: [1, 2, 3, 4, 5])])
        #expect(core.freeSlots == 0)
        // No free slot: nothing more until the batch completes (late binding).
        #expect(core.schedule(now: now).dispatches.isEmpty)

        now += 25_000_000
        #expect(core.complete(batchID: 1, success: true, serviceNs: 25_000_000, now: now) == [1, 2, 3, 4, 5])
        let second = core.schedule(now: now)
        #expect(second.dispatches == [.init(batchID: 2, ids: [6, 7])])
        #expect(core.queuedCount == 0)
    }

    /// `pipeline` 1: a call goes at once to a free server; the next is sent
    /// ahead only 1 ms before the running one is predicted to end (10 ms a
    /// call here), so its batch holds everything that came meanwhile.
    @Test func aCallIsSentAheadOnlyAsTheServerIsAboutToBeFree() {
        let core = SchedulingCore(strategy: OldestFirst(), configuration: .init(batchLimit: 5, slots: 2, costModel: .seed(unitMs: 0, callMs: 10),
                                                                               pipeline: 1))
        _ = core.enqueue(client: "A", cost: 1, now: 0)
        #expect(core.schedule(now: 0).dispatches.map(\.ids) == [[1]])
        for i in 0..<3 { _ = core.enqueue(client: "A", cost: 1, now: 2_000_000 + Int64(i)) }
        let early = core.schedule(now: 2_000_000)
        #expect(early.dispatches.isEmpty && early.wakeAtNs == 9_000_000)
        _ = core.enqueue(client: "A", cost: 1, now: 5_000_000)
        let ahead = core.schedule(now: 9_000_000)
        #expect(ahead.dispatches.map(\.ids) == [[2, 3, 4, 5]])
        // Both slots taken: nothing more, and no wake-up for the send-ahead.
        _ = core.enqueue(client: "A", cost: 1, now: 9_500_000)
        #expect(core.schedule(now: 9_500_000).dispatches.isEmpty)
        // The first call ends: the one sent ahead runs from now (10 to 20 ms), so the next goes at 19.
        _ = core.complete(batchID: 1, success: true, serviceNs: 10_000_000, now: 10_000_000)
        let next = core.schedule(now: 10_000_000)
        #expect(next.dispatches.isEmpty && next.wakeAtNs == 19_000_000, "\(next)")
    }

    /// Predictive admission with a call sent ahead: once the call before it
    /// ends, it runs from then (10 ms), so at 15 ms it has 5 ms left.
    @Test func aCallSentAheadIsPredictedFromWhenItBeganToRun() {
        let core = SchedulingCore(strategy: OldestFirst(), configuration: .init(batchLimit: 5, slots: 2, costModel: .seed(unitMs: 0, callMs: 10),
                                                                               pipeline: 1))
        _ = core.enqueue(client: "A", cost: 1, now: 0)
        #expect(core.schedule(now: 0).dispatches.count == 1)
        _ = core.enqueue(client: "A", cost: 1, now: 5_000_000)
        #expect(core.schedule(now: 9_000_000).dispatches.count == 1)
        _ = core.complete(batchID: 1, success: true, serviceNs: 10_000_000, now: 10_000_000)
        // 5 ms left of the call sent ahead, then its own 10 ms call.
        #expect(core.predictedFinishNs(cost: 1, now: 15_000_000) == 30_000_000)
    }

    /// Call after call on time, the send-ahead stays 1 ms before each end: a
    /// call sent ahead is timed from when it began to run, not from its send
    /// (which would move every next send 1 ms earlier, until it went at once).
    @Test func theSendAheadStaysOneMillisecondBeforeEachEnd() {
        let core = SchedulingCore(strategy: OldestFirst(), configuration: .init(batchLimit: 5, slots: 2, costModel: .seed(unitMs: 0, callMs: 10),
                                                                               pipeline: 1))
        _ = core.enqueue(client: "A", cost: 1, now: 0)
        #expect(core.schedule(now: 0).dispatches.count == 1)
        var end: Int64 = 10_000_000
        for call in 1...20 {
            _ = core.enqueue(client: "A", cost: 1, now: end - 5_000_000)
            let early = core.schedule(now: end - 5_000_000)
            #expect(early.dispatches.isEmpty && early.wakeAtNs == end - 1_000_000, "call \(call): \(early)")
            #expect(core.schedule(now: end - 1_000_000).dispatches.count == 1, "call \(call)")
            _ = core.complete(batchID: UInt64(call), success: true, serviceNs: 10_000_000, now: end)
            end += 10_000_000
        }
    }

    /// Calls shorter than four leads: the send-ahead goes a quarter of the
    /// call before its end (0.5 ms before a 2 ms call), not 1 ms — which on a
    /// server running calls side by side would time each call sent ahead at
    /// half its length, and the next at less, until they went at once.
    @Test func aShortCallsSendAheadLeadIsAQuarterOfIt() {
        let core = SchedulingCore(strategy: OldestFirst(), configuration: .init(batchLimit: 5, slots: 2, costModel: .seed(unitMs: 0, callMs: 2),
                                                                               pipeline: 1))
        _ = core.enqueue(client: "A", cost: 1, now: 0)
        #expect(core.schedule(now: 0).dispatches.count == 1)
        _ = core.enqueue(client: "A", cost: 1, now: 100_000)
        let early = core.schedule(now: 100_000)
        #expect(early.dispatches.isEmpty && early.wakeAtNs == 1_500_000, "\(early)")
        #expect(core.schedule(now: 1_500_000).dispatches.map(\.ids) == [[2]])
    }

    @Test func oldestFirstLetsAnItemJoinOnlyWhereItPaysItsWay() {
        // A transformer's law (fixed 10 ms a call, every row padded to the
        // longest): a long document beside short queries costs more than
        // its own call, so it waits for the next call, keeping its place.
        let padded = SchedulingCore(strategy: OldestFirst(), configuration: .init(
            batchLimit: 5, slots: 1, costModel: CostModel(fixedNs: 10_000_000, paddedNs: 100_000)))
        let ids = [8, 200, 10, 12].compactMap { padded.enqueue(client: "A", cost: UInt64($0), now: 0) }
        #expect(padded.schedule(now: 0).dispatches.map(\.ids) == [[ids[0], ids[2], ids[3]]])
        _ = padded.complete(batchID: 1, success: true, serviceNs: 1, now: 1)
        #expect(padded.schedule(now: 1).dispatches.map(\.ids) == [[ids[1]]])
        // Under the seed's law company is free: plain oldest-first, whatever the sizes.
        let seed = SchedulingCore(strategy: OldestFirst(), configuration: .init(batchLimit: 5, slots: 1))
        let all = [8, 200, 10, 12].compactMap { seed.enqueue(client: "A", cost: UInt64($0), now: 0) }
        #expect(seed.schedule(now: 0).dispatches.map(\.ids) == [all])
    }

    @Test func lateBindingUsesEverythingQueuedWhenTheSlotFrees() {
        let core = SchedulingCore(strategy: OldestFirst(), configuration: .init(batchLimit: 5, slots: 1))
        _ = core.enqueue(client: "A", cost: 5, now: 0)
        #expect(core.schedule(now: 0).dispatches.map(\.ids) == [[1]])  // a lone request goes at once
        for _ in 0..<4 { _ = core.enqueue(client: "A", cost: 5, now: 1) }
        #expect(core.schedule(now: 1).dispatches.isEmpty)
        core.complete(batchID: 1, success: true, serviceNs: 10, now: 2)
        #expect(core.schedule(now: 2).dispatches.map(\.ids) == [[2, 3, 4, 5]])
    }

    @Test func badAnswersAreReplacedByOldestFirstWithNothingLost() {
        let strategy = ScriptedStrategy()
        let core = SchedulingCore(strategy: strategy, configuration: .init(batchLimit: 3, slots: 4))
        var refusals: [String] = []
        core.onRefusedAnswer = { refusals.append($0) }
        for _ in 0..<10 { _ = core.enqueue(client: "B", cost: 10, now: 0) }

        strategy.answers = [
            .ids([99]),          // not queued
            .ids([5, 5]),        // duplicate
            .ids([7, 8, 9, 10]), // over the limit
            .ids([10]),          // fine
        ]
        let outcome = core.schedule(now: 0)
        #expect(refusals.count == 3)
        #expect(refusals[0].contains("scripted") && refusals[0].contains("99"))
        #expect(refusals[1].contains("twice"))
        #expect(refusals[2].contains("over the batch limit"))
        #expect(outcome.dispatches.map(\.ids) == [[1, 2, 3], [4, 5, 6], [7, 8, 9], [10]])
        // Fallback ids were reported as taken by the host; ids of refused
        // answers still queued would be announced again — here every refused
        // id was taken by the fallback (of an over-long answer the host reads
        // only what fits its buffer, 7, 8, 9, never past it).
        #expect(strategy.removedIDs.map(\.0) == Array(1...9))
        #expect(strategy.removedIDs.allSatisfy { $0.1 == .takenByHost })
        #expect(strategy.arrivedIDs.dropFirst(10).isEmpty)
        // Every item dispatched exactly once.
        let all = outcome.dispatches.flatMap(\.ids)
        #expect(all.sorted() == Array(1...10))
        #expect(core.refusedAnswers == 3)
    }

    @Test func nothingAndNoWakeWhileIdleIsAStallAndIsRefused() {
        let strategy = ScriptedStrategy()
        let core = SchedulingCore(strategy: strategy, configuration: .init(batchLimit: 5, slots: 1))
        var refusals: [String] = []
        core.onRefusedAnswer = { refusals.append($0) }
        _ = core.enqueue(client: "A", cost: 1, now: 0)
        let outcome = core.schedule(now: 0)
        #expect(outcome.dispatches.map(\.ids) == [[1]])
        #expect(refusals.count == 1 && refusals[0].contains("idle"))
    }

    @Test func aWaitingStrategyGetsItsWakeUp() {
        let strategy = ScriptedStrategy()
        let core = SchedulingCore(strategy: strategy, configuration: .init(batchLimit: 8, slots: 5))
        _ = core.enqueue(client: "A", cost: 1, now: 0)
        strategy.answers = [.wait(100_000_000)]
        let outcome = core.schedule(now: 0)
        #expect(outcome.dispatches.isEmpty)
        #expect(outcome.wakeAtNs == 100_000_000)
        strategy.answers = [.ids([1])]
        #expect(core.schedule(now: 100_000_000).dispatches.map(\.ids) == [[1]])
    }

    @Test func expiredItemsAreNeverDispatched() {
        let strategy = ScriptedStrategy()
        let core = SchedulingCore(strategy: strategy, configuration: .init(batchLimit: 5, slots: 1))
        _ = core.enqueue(client: "A", cost: 1, deadlineNs: 50, now: 0)
        _ = core.enqueue(client: "A", cost: 1, now: 0)
        strategy.answers = [.wait(1_000)]
        #expect(core.schedule(now: 0).wakeAtNs == 50)
        strategy.answers = [.ids([2])]
        let outcome = core.schedule(now: 60)
        #expect(outcome.expired == [1])
        #expect(outcome.dispatches.map(\.ids) == [[2]])
        #expect(strategy.removedIDs.map(\.0) == [1])
        #expect(strategy.removedIDs.first?.1 == .expired)
    }

    /// With no backend to send to (the worker restarts), deadlines still win:
    /// expired items leave the queue, the strategy is never asked for a batch.
    @Test func deadlinesExpireWhileThereIsNoBackend() {
        let strategy = ScriptedStrategy()
        let core = SchedulingCore(strategy: strategy, configuration: .init(batchLimit: 5, slots: 1))
        _ = core.enqueue(client: "A", cost: 1, deadlineNs: 50, now: 0)
        _ = core.enqueue(client: "A", cost: 1, deadlineNs: 90, now: 0)
        _ = core.enqueue(client: "A", cost: 1, now: 0)
        let early = core.expireDue(now: 10)
        #expect(early.expired.isEmpty && early.nextDeadlineNs == 50)
        let due = core.expireDue(now: 60)
        #expect(due.expired == [1] && due.nextDeadlineNs == 90)
        #expect(core.queuedCount == 2 && core.inFlightCount == 0)
        #expect(strategy.removedIDs.map(\.0) == [1] && strategy.removedIDs.first?.1 == .expired)
    }

    /// Giving up more ids than the host has room for is nonsense too: the
    /// answer is refused (oldest-first instead), never read past the buffer.
    @Test func anOverLongGiveUpIsRefused() {
        let strategy = ScriptedStrategy()
        let core = SchedulingCore(strategy: strategy, configuration: .init(batchLimit: 2, slots: 1))
        var refusals: [String] = []
        core.onRefusedAnswer = { refusals.append($0) }
        for _ in 0..<3 { _ = core.enqueue(client: "A", cost: 1, now: 0) }
        strategy.answers = [.expire(Array(1...300), then: [1])]
        let outcome = core.schedule(now: 0)
        #expect(outcome.expired.isEmpty)
        #expect(outcome.dispatches.map(\.ids) == [[1, 2]])
        #expect(refusals.first?.contains("300 ids to give up, over the host's room for 256") == true, "\(refusals)")
    }

    @Test func aStrategyMayExpireWhatCannotMeetItsDeadline() {
        let strategy = ScriptedStrategy()
        let core = SchedulingCore(strategy: strategy, configuration: .init(batchLimit: 5, slots: 1))
        var refusals: [String] = []
        core.onRefusedAnswer = { refusals.append($0) }
        for _ in 0..<3 { _ = core.enqueue(client: "A", cost: 1, deadlineNs: 1_000, now: 0) }
        strategy.answers = [.expire([1, 42], then: [2, 3])]
        let outcome = core.schedule(now: 10)
        #expect(outcome.expired == [1])
        #expect(outcome.dispatches.map(\.ids) == [[2, 3]])
        #expect(refusals.count == 1 && refusals[0].contains("42"))
    }

    @Test func aStrategyThatPostponesForeverHitsTheStarvationBound() {
        let strategy = ScriptedStrategy()
        let core = SchedulingCore(strategy: strategy, configuration: .init(batchLimit: 5, slots: 1, starvationBoundNs: 1_000))
        var refusals: [String] = []
        core.onRefusedAnswer = { refusals.append($0) }
        _ = core.enqueue(client: "A", cost: 1, now: 0)
        strategy.answers = [.wait(500), .wait(5_000)]
        #expect(core.schedule(now: 0).dispatches.isEmpty)
        let late = core.schedule(now: 2_000)
        #expect(late.dispatches.map(\.ids) == [[1]])
        #expect(refusals.count == 1 && refusals[0].contains("starvation bound"))
    }

    @Test func fullQueueRefusesAndCancelRemoves() {
        let core = SchedulingCore(strategy: OldestFirst(), configuration: .init(batchLimit: 5, slots: 1, maxQueued: 2))
        #expect(core.enqueue(client: "A", cost: 1, now: 0) == 1)
        #expect(core.enqueue(client: "A", cost: 1, now: 0) == 2)
        #expect(core.enqueue(client: "A", cost: 1, now: 0) == nil)
        #expect(core.cancel(1, now: 0))
        #expect(!core.cancel(1, now: 0))
        #expect(core.schedule(now: 0).dispatches.map(\.ids) == [[2]])
    }

    @Test func requeuedBatchRunsAgainAheadOfNewerWork() {
        let core = SchedulingCore(strategy: OldestFirst(), configuration: .init(batchLimit: 2, slots: 1))
        for _ in 0..<2 { _ = core.enqueue(client: "A", cost: 1, now: 0) }
        #expect(core.schedule(now: 0).dispatches.map(\.ids) == [[1, 2]])
        _ = core.enqueue(client: "A", cost: 1, now: 1)
        #expect(core.requeue(batchID: 1, now: 2) == [1, 2])
        #expect(core.queuedCount == 3)
        let again = core.schedule(now: 3).dispatches.flatMap(\.ids)
        #expect(again == [3, 1] || again == [1, 2])  // OldestFirst sees re-arrivals after 3
        #expect(core.inFlightCount == 1)
    }
}

@Suite struct SchedulingCoreProtectionTests {
    @Test func oneClientCannotFillTheQueue() {
        let core = SchedulingCore(strategy: OldestFirst(), configuration: .init(batchLimit: 5, slots: 1, maxQueued: 10, maxQueuedPerClient: 3))
        for _ in 0..<3 { #expect(core.enqueue(client: "flood", cost: 1, now: 0) != nil) }
        #expect(core.enqueue(client: "flood", cost: 1, now: 0) == nil)
        #expect(core.lastRefusal.contains("client flood"))
        #expect(core.enqueue(client: "quiet", cost: 1, now: 0) != nil)
        #expect(core.highWater == 4)
        // Dispatched items no longer count against the client's share.
        #expect(core.schedule(now: 0).dispatches.map(\.ids) == [[1, 2, 3, 4]])
        #expect(core.enqueue(client: "flood", cost: 1, now: 0) != nil)
    }

    @Test func aStrategyAnsweringNonsenseIsReplacedForGood() {
        let strategy = ScriptedStrategy()
        let core = SchedulingCore(strategy: strategy, configuration: .init(batchLimit: 1, slots: 1, maxConsecutiveRefusals: 3))
        var replaced: [String] = []
        core.onStrategyReplaced = { replaced.append($0) }
        for _ in 0..<6 { _ = core.enqueue(client: "A", cost: 1, now: 0) }
        var dispatched: [ItemID] = []
        for t in 0..<6 {
            strategy.answers = [.ids([999])]
            for d in core.schedule(now: Int64(t)).dispatches {
                dispatched += d.ids
                core.complete(batchID: d.batchID, success: true, serviceNs: 1, now: Int64(t))
            }
        }
        #expect(dispatched == [1, 2, 3, 4, 5, 6])
        #expect(replaced.count == 1 && replaced[0].contains("3 refused answers in a row"))
        #expect(core.strategy.name == "oldest-first")
        #expect(core.fallbackReason != nil)
        #expect(core.refusedAnswers == 3)
    }

    @Test func aLostBatchIsSplitSoAPoisonItemFailsAlone() {
        let core = SchedulingCore(strategy: OldestFirst(), configuration: .init(batchLimit: 5, slots: 1))
        for _ in 0..<3 { _ = core.enqueue(client: "A", cost: 1, now: 0) }
        #expect(core.schedule(now: 0).dispatches.map(\.ids) == [[1, 2, 3]])
        core.requeue(batchID: 1, now: 1, isolate: true)
        var batches: [[ItemID]] = []
        for t in 2..<6 {
            for d in core.schedule(now: Int64(t)).dispatches {
                batches.append(d.ids)
                core.complete(batchID: d.batchID, success: true, serviceNs: 1, now: Int64(t))
            }
        }
        #expect(batches == [[1], [2], [3]])
    }
}
