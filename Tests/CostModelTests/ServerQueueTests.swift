import CostModel
import Testing

/// When a call sent ahead began at a first-come-first-served server (the
/// worker's timing of a pipelined call).
@Suite struct ServerQueueTests {
    @Test func aCallSentToAFreeServerRunsFromItsSend() {
        var queue = ServerQueue(parallel: 1)
        queue.sent(1, now: 100)
        #expect(queue.ended(1, sentNs: 100, now: 150) == 100)
    }

    @Test func aCallSentAheadRunsFromTheEndOfTheOneBeforeIt() {
        var queue = ServerQueue(parallel: 1)
        queue.sent(1, now: 0)
        queue.sent(2, now: 10)
        queue.sent(3, now: 20)
        #expect(queue.ended(1, sentNs: 0, now: 50) == 0)
        #expect(queue.ended(2, sentNs: 10, now: 80) == 50)
        // Sent while two were ahead: it ran once both had ended.
        #expect(queue.ended(3, sentNs: 20, now: 90) == 80)
        // Sent after the others ended: from its send.
        queue.sent(4, now: 200)
        #expect(queue.ended(4, sentNs: 200, now: 210) == 200)
    }

    @Test func withTwoAtOnceACallWaitsOnlyForTheFirstToFreeAPlace() {
        var queue = ServerQueue(parallel: 2)
        for call in UInt64(1)...3 { queue.sent(call, now: 0) }
        // Call 3 had two ahead on a server that runs two: it ran when the first of them ended.
        #expect(queue.ended(2, sentNs: 0, now: 40) == 0)
        #expect(queue.ended(1, sentNs: 0, now: 60) == 0)
        #expect(queue.ended(3, sentNs: 0, now: 70) == 40)
    }

    @Test func aServerThatAnswersOutOfOrderNeverMakesACallLongerThanItsWholeTime() {
        var queue = ServerQueue(parallel: 1)
        queue.sent(1, now: 0)
        queue.sent(2, now: 10)
        // Call 2 ended first: the completion that would have freed it had not come, so from its send.
        #expect(queue.ended(2, sentNs: 10, now: 30) == 10)
        #expect(queue.ended(1, sentNs: 0, now: 60) == 0)
        #expect(queue.inFlight == 0)
    }
}
