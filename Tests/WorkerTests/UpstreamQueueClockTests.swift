import Testing
@testable import Worker

/// When a call sent ahead began at a first-come-first-served server.
@Suite struct UpstreamQueueClockTests {
    @Test func aCallSentToAFreeServerRunsFromItsSend() {
        var clock = UpstreamQueueClock(parallel: 1, depth: 2)
        let a = clock.send(at: 100)
        #expect(clock.end(a, at: 150) == 100)
    }

    @Test func aCallSentAheadRunsFromTheEndOfTheOneBeforeIt() {
        var clock = UpstreamQueueClock(parallel: 1, depth: 3)
        let a = clock.send(at: 0), b = clock.send(at: 10), c = clock.send(at: 20)
        #expect(clock.end(a, at: 50) == 0)
        #expect(clock.end(b, at: 80) == 50)
        // Sent while two were ahead: it ran once both had ended.
        #expect(clock.end(c, at: 90) == 80)
        // Sent after the others ended: from its send.
        let d = clock.send(at: 200)
        #expect(clock.end(d, at: 210) == 200)
    }

    @Test func withTwoAtOnceACallWaitsOnlyForTheFirstToFreeAPlace() {
        var clock = UpstreamQueueClock(parallel: 2, depth: 4)
        let a = clock.send(at: 0), b = clock.send(at: 0), c = clock.send(at: 0)
        // c had two ahead on a server that runs two: it ran when the first of them ended.
        #expect(clock.end(b, at: 40) == 0)
        #expect(clock.end(a, at: 60) == 0)
        #expect(clock.end(c, at: 70) == 40)
    }

    @Test func aServerThatAnswersOutOfOrderNeverMakesACallLongerThanItsWholeTime() {
        var clock = UpstreamQueueClock(parallel: 1, depth: 2)
        let a = clock.send(at: 0), b = clock.send(at: 10)
        // b ended first: the completion that would have freed it had not come, so from its send.
        #expect(clock.end(b, at: 30) == 10)
        #expect(clock.end(a, at: 60) == 0)
        #expect(clock.inFlight == 0)
    }
}
