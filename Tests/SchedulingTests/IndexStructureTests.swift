import StrategySDK
import Testing

/// The tables and orders decisions run on, each checked against the plain
/// structure it stands in for, on seeded random operations (the id patterns
/// a queue makes: increasing ids, most leaving soon, some staying long).
@Suite struct IndexStructureTests {
    /// A deterministic generator, so a failure replays.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    @Test(arguments: [1, 2, 3])
    func idTableAgreesWithADictionary(seed: UInt64) {
        var random = Random(state: seed)
        let table = IDTable<Int>(capacity: 4)
        var model: [UInt64: Int] = [:]
        var nextID: UInt64 = 1
        var live: [UInt64] = []
        for step in 0..<60_000 {
            switch random.below(10) {
            case 0..<5:  // arrive
                table.insert(nextID, step)
                model[nextID] = step
                live.append(nextID)
                nextID += 1
            case 5..<9 where !live.isEmpty:  // leave: mostly the newest, sometimes any (long waiters stay behind)
                let index = random.below(4) == 0 ? random.below(live.count) : live.count - 1 - random.below(min(8, live.count))
                let id = live.remove(at: index)
                #expect(table.remove(id) == model.removeValue(forKey: id))
            default:  // a requeued old id, or one never given out
                if let id = live.first, random.below(2) == 0 {
                    table.insert(id, -step)
                    model[id] = -step
                } else {
                    #expect(table.remove(nextID + 5) == nil)
                }
            }
            let probe = UInt64(random.below(Int(nextID) + 10) + 1)
            #expect(table[probe] == model[probe], "step \(step): id \(probe)")
            #expect(table.contains(probe) == (model[probe] != nil))
        }
        #expect(table.count == model.count)
        var seen: [UInt64: Int] = [:]
        table.forEach { id, value in seen[id] = value }
        #expect(seen == model)
    }

    @Test func idTableKeepsIdsWhoseHomeSlotIsTaken() {
        // 16 slots: ids 1 and 17, 33 … share a home slot.
        let table = IDTable<String>(capacity: 8)
        table.insert(1, "old")
        table.insert(17, "newer")
        table.insert(33, "newest")
        #expect(table[1] == "old" && table[17] == "newer" && table[33] == "newest")
        #expect(table.remove(33) == "newest")
        #expect(table[1] == "old" && table[17] == "newer" && table[33] == nil)
        #expect(table.remove(1) == "old" && table.remove(17) == "newer")
        #expect(table.isEmpty && !table.contains(17))
    }

    @Test(arguments: [1, 2])
    func sizeOrderTakesSmallestSizeOldestFirst(seed: UInt64) {
        var random = Random(state: seed)
        let order = SizeOrder()
        var live: [UInt64: UInt64] = [:]  // id → size
        var nextID: UInt64 = 1
        for _ in 0..<20_000 {
            switch random.below(10) {
            case 0..<5:
                let size = UInt64(5 + random.below(40))
                order.insert(id: nextID, size: size)
                live[nextID] = size
                nextID += 1
            case 5..<7 where !live.isEmpty:  // leaves by another way (cancelled, taken out of turn)
                let id = live.keys.min()! + UInt64(random.below(3))
                if let size = live.removeValue(forKey: id) { order.removed(size: size) }
            default:
                let expected = live.min { ($0.value, $0.key) < ($1.value, $1.key) }
                let got = order.popFirst(live: live)
                #expect(got?.id == expected?.key && got?.size == expected?.value)
                if let got { live[got.id] = nil }
            }
            #expect(order.count == live.count)
            #expect(order.smallestSize == live.values.min())
        }
    }

    @Test func sizeOrderCountsPerSize() {
        let order = SizeOrder()
        for (id, size) in [(1, 9), (2, 5), (3, 9), (4, 7), (5, 5)] as [(UInt64, UInt64)] { order.insert(id: id, size: size) }
        #expect(order.sizeCount == 3)
        #expect(order.group(0) == (5, 2) && order.group(1) == (7, 1) && order.group(2) == (9, 2))
        order.removed(size: 7)
        #expect(order.sizeCount == 2 && order.group(1) == (9, 2))
        let live: [UInt64: Bool] = [1: true, 2: true, 3: true, 5: true]
        #expect(order.pop(group: 1, live: live) == 1)
        #expect(order.pop(group: 0, live: live) == 2)
    }

    @Test(arguments: [1, 2])
    func keyOrderAgreesWithSorting(seed: UInt64) {
        var random = Random(state: seed)
        let order = KeyOrder()
        var live: [UInt64: UInt64] = [:]  // id → key
        var nextID: UInt64 = 1
        for _ in 0..<20_000 {
            if random.below(2) == 0 {
                let key = UInt64(random.below(1_000))
                order.insert(id: nextID, key: key)
                live[nextID] = key
                nextID += 1
            } else if random.below(3) == 0, let id = live.keys.randomElement(using: &random) {
                live[id] = nil  // left by another way: skipped lazily
            } else {
                let expected = live.min { ($0.value, $0.key) < ($1.value, $1.key) }?.key
                let got = order.popFirst(live: live)
                #expect(got == expected)
                if let got { live[got] = nil }
            }
        }
    }
}

extension IndexStructureTests.Random: RandomNumberGenerator {}
