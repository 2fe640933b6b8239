import LibUV
import Testing

@Suite struct PreciseTimerTests {
    /// A 200 µs wait fires once and never early (a timerfd is never early;
    /// libuv's own timers would make it a whole millisecond); it can be
    /// started again from its own callback, and its close leaves the loop
    /// clean (the descriptor closes with it).
    @Test func aSubMillisecondWaitFiresNotEarlyAndCanBeRestarted() throws {
        let loop = try UVLoop()
        let timer = try UVPreciseTimer(loop: loop)
        var fired: [Int64] = []
        let start = UVLoop.nowNanoseconds()
        timer.start(afterNanoseconds: 200_000) {
            fired.append(UVLoop.nowNanoseconds() - start)
            timer.start(afterNanoseconds: 300_000) {
                fired.append(UVLoop.nowNanoseconds() - start)
                timer.close()
            }
        }
        loop.run()
        #expect(fired.count == 2)
        #expect(fired.first.map { $0 >= 200_000 } == true)
        #expect(fired.last.map { $0 >= 500_000 } == true)
        #expect(loop.close().isEmpty)
    }

    /// A stopped timer does not fire; a closed one leaves nothing open.
    @Test func aStoppedTimerDoesNotFire() throws {
        let loop = try UVLoop()
        let timer = try UVPreciseTimer(loop: loop)
        let other = try UVPreciseTimer(loop: loop)
        var fired = false
        timer.start(afterNanoseconds: 100_000) { fired = true }
        timer.stop()
        // The loop runs until a later timer ends it: the stopped one had its chance.
        other.start(afterNanoseconds: 2_000_000) {
            timer.close()
            other.close()
        }
        loop.run()
        #expect(!fired)
        #expect(loop.close().isEmpty)
    }
}
