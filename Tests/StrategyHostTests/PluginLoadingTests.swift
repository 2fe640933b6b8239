import Testing
import TestSupport
import Scheduling
import CostModel
import StrategySDK
@testable import StrategyHost

@Suite struct PluginLoadingTests {
    /// Feeds `costs` into a strategy at time `now` and drains it batch by batch.
    func drain(_ strategy: any SchedulingStrategy, costs: [UInt64], limit: Int, now: Int64 = 0) -> [[ItemID]] {
        let core = SchedulingCore(strategy: strategy, configuration: .init(batchLimit: limit, slots: 1))
        for cost in costs { _ = core.enqueue(client: "c", cost: cost, now: now) }
        var batches: [[ItemID]] = []
        var t = now
        while core.queuedCount > 0 || core.inFlightCount > 0 {
            let outcome = core.schedule(now: t)
            for d in outcome.dispatches {
                batches.append(d.ids)
                core.complete(batchID: d.batchID, success: true, serviceNs: 1, now: t)
            }
            // A strategy holding for company named when to ask again.
            t = outcome.dispatches.isEmpty ? max(t + 1, outcome.wakeAtNs ?? t + 1) : t + 1
        }
        #expect(core.refusedAnswers == 0)
        return batches
    }

    @Test func fifoSendsOneItemPerCallInArrivalOrder() throws {
        let fifo = try PluginLoader.load(path: try BuildProducts.plugin("fifo"))
        #expect(fifo.name == "fifo")
        #expect(drain(fifo, costs: [25, 5, 12, 7], limit: 5) == [[1], [2], [3], [4]])
    }

    @Test func sjfBatchesShortestFirst() throws {
        let sjf = try PluginLoader.load(path: try BuildProducts.plugin("sjf"))
        #expect(sjf.name == "sjf")
        // ids 1...8 with these costs; shortest five first, then the rest.
        let batches = drain(sjf, costs: [25, 5, 12, 7, 6, 20, 8, 9], limit: 5)
        #expect(batches.count == 2)
        #expect(Set(batches[0]) == [2, 5, 4, 7, 8])
        #expect(Set(batches[1]) == [3, 6, 1])
    }

    @Test func sjfAgingLetsALongItemJumpTheQueue() throws {
        let sjf = try PluginLoader.load(path: try BuildProducts.plugin("sjf"), config: "aging_ms=10")
        let core = SchedulingCore(strategy: sjf, configuration: .init(batchLimit: 2, slots: 1))
        _ = core.enqueue(client: "B", cost: 25, now: 0)                 // id 1, long, old
        for _ in 0..<4 { _ = core.enqueue(client: "A", cost: 5, now: 15_000_000) }
        let outcome = core.schedule(now: 20_000_000)                    // id 1 waited 20 ms > 10 ms
        #expect(outcome.dispatches.first?.ids.first == 1)
    }

    /// The aged item sets the call's cost (the seed's law: its size squared), so
    /// what rides along is what would cost most alone: the other long items
    /// that fit under it, not the short ones (they go next, cheaply).
    @Test(arguments: ["sjf", "optimal"])
    func anAgedItemTakesTheLargestItemsThatFitUnderIt(strategy: String) throws {
        let plugin = try PluginLoader.load(path: try BuildProducts.plugin(strategy), config: "aging_ms=10")
        let core = SchedulingCore(strategy: plugin, configuration: .init(batchLimit: 3, slots: 1))
        let aged = core.enqueue(client: "B", cost: 25, now: 0)!
        let short = (0..<4).map { _ in core.enqueue(client: "A", cost: 5, now: 15_000_000)! }
        let long = [core.enqueue(client: "B", cost: 20, now: 15_000_000)!, core.enqueue(client: "B", cost: 24, now: 15_000_000)!]
        _ = core.enqueue(client: "B", cost: 30, now: 15_000_000)  // larger than the aged one: would make the call dearer
        let outcome = core.schedule(now: 20_000_000)
        #expect(outcome.dispatches.first?.ids == [aged, long[1], long[0]])
        #expect(!(outcome.dispatches.first?.ids.contains { short.contains($0) } ?? true))
    }

    /// A burst reaches Ferry over a millisecond or two: the first item is not
    /// sent alone to the idle backend while company that rides free (the
    /// seed's law) is still arriving, and the hold ends a quarter-budget after
    /// the last arrival. Company that is not free (every row padded), or
    /// `hold_fraction=0`, dispatches at once.
    @Test(arguments: ["sjf", "optimal"])
    func aBurstIsHeldUntilItStopsArrivingWhenCompanyRidesFree(strategy: String) throws {
        let plugin = try PluginLoader.load(path: try BuildProducts.plugin(strategy))
        let core = SchedulingCore(strategy: plugin, configuration: .init(batchLimit: 5, slots: 1))
        let first = core.enqueue(client: "B", cost: 20, now: 0)!        // a 400 ms call: budget 8 ms, gap 2 ms
        let held = core.schedule(now: 0)
        #expect(held.dispatches.isEmpty)
        #expect(held.wakeAtNs == 2_000_000)
        let second = core.enqueue(client: "B", cost: 15, now: 1_000_000)!
        let stillHeld = core.schedule(now: 1_000_000)
        #expect(stillHeld.dispatches.isEmpty)
        #expect(stillHeld.wakeAtNs == 3_000_000)
        let sent = core.schedule(now: 3_000_000)
        #expect(Set(sent.dispatches.first?.ids ?? []) == [first, second])

        let padded = SchedulingCore(strategy: try PluginLoader.load(path: try BuildProducts.plugin(strategy)),
                                    configuration: .init(batchLimit: 5, slots: 1, costModel: CostModel(paddedNs: 1_000_000)))
        let lone = padded.enqueue(client: "B", cost: 20, now: 0)!
        #expect(padded.schedule(now: 0).dispatches.first?.ids == [lone])

        let off = SchedulingCore(strategy: try PluginLoader.load(path: try BuildProducts.plugin(strategy), config: "hold_fraction=0"),
                                 configuration: .init(batchLimit: 5, slots: 1))
        let alone = off.enqueue(client: "B", cost: 20, now: 0)!
        #expect(off.schedule(now: 0).dispatches.first?.ids == [alone])
    }

    /// Before the lane has measured a call its law is a prior, its size a
    /// guess: a neutral 5 ms a call would give a 100 µs budget (a 25 µs gap),
    /// shorter than a burst's spread, so the hold is its ceiling instead
    /// (10 ms from the first arrival) — and the estimate's again once the law is learned.
    @Test(arguments: ["sjf", "optimal"])
    func aBurstReachingABackendNeverMeasuredIsHeldForTheCeiling(strategy: String) throws {
        let neutral = CostModel(fixedNs: 5_000_000)
        let core = SchedulingCore(strategy: try PluginLoader.load(path: try BuildProducts.plugin(strategy)),
                                  configuration: .init(batchLimit: 5, slots: 1, costModel: neutral))
        core.lawIsPrior = true
        let first = core.enqueue(client: "B", cost: 20, now: 0)!
        #expect(core.schedule(now: 0).wakeAtNs == 10_000_000)
        let second = core.enqueue(client: "B", cost: 15, now: 4_000_000)!
        let stillHeld = core.schedule(now: 4_000_000)
        #expect(stillHeld.dispatches.isEmpty && stillHeld.wakeAtNs == 10_000_000)
        let sent = core.schedule(now: 10_000_000)
        #expect(Set(sent.dispatches.first?.ids ?? []) == [first, second])

        // The same prior, known (or learned): a 25 µs gap; the first goes alone.
        let known = SchedulingCore(strategy: try PluginLoader.load(path: try BuildProducts.plugin(strategy)),
                                   configuration: .init(batchLimit: 5, slots: 1, costModel: neutral))
        let alone = known.enqueue(client: "B", cost: 20, now: 0)!
        #expect(known.schedule(now: 0).wakeAtNs == 25_000)
        #expect(known.schedule(now: 25_000).dispatches.first?.ids == [alone])
    }

    @Test func sjfRefusesAnUnknownConfigKey() throws {
        let path = try BuildProducts.plugin("sjf")
        #expect {
            _ = try PluginLoader.load(path: path, config: "agin_ms=10")
        } throws: { error in
            "\(error)".contains("unknown config key 'agin_ms'") && "\(error)".contains("aging_ms")
        }
        #expect {
            _ = try PluginLoader.load(path: path, config: "aging_ms=soon")
        } throws: { error in
            "\(error)".contains("expected a number")
        }
    }

    @Test func aLibraryThatIsNotAPluginIsRefusedByName() throws {
        let path = try CFixture.compile("not_a_plugin")
        #expect(throws: PluginLoadError.notAPlugin(path: path)) { try PluginLoader.load(path: path) }
        #expect("\(PluginLoadError.notAPlugin(path: path))".contains(path))
    }

    @Test func aWrongABIVersionIsRefusedWithBothVersions() throws {
        let path = try CFixture.compile("wrong_abi")
        #expect(throws: PluginLoadError.abiMismatch(path: path, found: 99, expected: 1)) { try PluginLoader.load(path: path) }
        let line = "\(PluginLoadError.abiMismatch(path: path, found: 99, expected: 1))"
        #expect(line.contains("ABI version 99") && line.contains("ABI version 1") && !line.contains("\n"))
    }

    /// The header's promise: minor versions only append, so a plugin built
    /// against 1.0 loads on this 1.2 host and serves; nothing past its
    /// `size` is read (a trap sits where `attach_host` would be).
    @Test func aPluginBuiltForABI1_0StillLoadsAndServes() throws {
        let path = try CFixture.compile("abi_1_0")
        let old = try PluginLoader.load(path: path)
        #expect(old.name == "old-1.0")
        let core = SchedulingCore(strategy: old, configuration: .init(batchLimit: 2, slots: 1))
        for _ in 0..<3 { _ = core.enqueue(client: "a", cost: 5, now: 0) }
        #expect(core.schedule(now: 0).dispatches.map(\.ids) == [[1, 2]])
        core.complete(batchID: 1, success: true, serviceNs: 1, now: 1)
        #expect(core.schedule(now: 1).dispatches.map(\.ids) == [[3]])
    }

    /// A strategy built against 1.2 asks `lawIsPrior` only where the host's
    /// table covers it: a 1.1 host's (shorter) table answers false, as if the
    /// law were known, and never reads past its end.
    @Test func aHostTableOfABI1_1SaysItsLawIsKnown() throws {
        let table = UnsafeMutablePointer<ferry_host>.allocate(capacity: 1)
        defer { table.deallocate() }
        table.initialize(to: ferry_host(size: 0, context: nil, batch_service_ns: { _, _, _ in 0 }, call_service_ns: { _, _, _ in 0 },
                                        law_is_prior: { _ in 1 }))
        table.pointee.size = UInt32(MemoryLayout<ferry_host>.size)
        #expect(HostEstimates(table).lawIsPrior)
        table.pointee.size = UInt32(MemoryLayout<ferry_host>.offset(of: \ferry_host.law_is_prior)!)
        #expect(!HostEstimates(table).lawIsPrior)
    }

    @Test func aTableShorterThanABI1_0IsRefusedWithTheSizeItNeeds() throws {
        let line = "\(PluginLoadError.tableTooSmall(path: "/p.so", found: 16, expected: 64))"
        #expect(line.contains("16 bytes") && line.contains("ABI 1.0 needs at least 64"))
    }

    @Test func aForeignTableIsRefusedByItsMagic() throws {
        let path = try CFixture.compile("bad_magic")
        #expect(throws: PluginLoadError.badMagic(path: path, found: 0xDEADBEEF)) { try PluginLoader.load(path: path) }
    }

    @Test func namesResolveToBuiltinsUnlessAFileIsThere() throws {
        let fifo = try BuildProducts.plugin("fifo")
        #expect(fifo.hasSuffix("/libfifo.so"))
        #expect(try BuildProducts.locator.resolve("sjf").hasSuffix("/libsjf.so"))
        let own = try CFixture.compile("not_a_plugin")
        #expect(try BuildProducts.locator.resolve(own) == own)
        #expect {
            _ = try BuildProducts.locator.resolve("plugins/nope.so")
        } throws: { error in
            "\(error)".contains("plugins/nope.so") && "\(error)".contains("fifo") && "\(error)".contains("sjf")
        }
    }
}
