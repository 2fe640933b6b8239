import Link
import LinkNIO
import NIOPosix
import Testing

/// The NIO reactor's timers (the ingress's retries and reconnects ride on
/// them). Ordered by deadline, never by sleeping: NIO runs scheduled tasks
/// in deadline order, so a timer that should have fired before another
/// has fired by the time the other does.
@Suite struct NIOReactorTimerTests {
    final class Counts {
        var stopped = 0
        var repeating = 0
        var atStop = 0
    }

    @Test func aStoppedTimerNeverFiresAndARepeatingOneFiresUntilStopped() async {
        let nio = NIOReactor(eventLoop: MultiThreadedEventLoopGroup.singleton.next(), secret: nil)
        let seen: [Int] = await withCheckedContinuation { c in
            nio.execute {
                let counts = Counts()
                let stopped = nio.makeTimer()
                stopped.start(afterMilliseconds: 0) { counts.stopped += 1 }
                stopped.stop()
                let repeating = nio.makeTimer()
                let check = nio.makeTimer()
                repeating.start(afterMilliseconds: 1, repeat: 1) {
                    counts.repeating += 1
                    guard counts.repeating == 3 else { return }
                    repeating.stop()
                    counts.atStop = counts.repeating
                    // Due after the fourth firing would have been.
                    check.start(afterMilliseconds: 5) {
                        c.resume(returning: [counts.stopped, counts.atStop, counts.repeating])
                    }
                }
            }
        }
        #expect(seen == [0, 3, 3])
    }
}

/// Deferred work on the NIO reactor: a task on the loop, after what runs now;
/// a closed one runs nothing more.
@Suite struct NIODeferredWorkTests {
    final class Order { var seen: [String] = [] }

    @Test func workRunsAfterWhatRunsNowAndNotOnceClosed() async {
        let nio = NIOReactor(eventLoop: MultiThreadedEventLoopGroup.singleton.next(), secret: nil)
        let seen: [String] = await withCheckedContinuation { c in
            nio.execute {
                let order = Order()
                let deferred = nio.makeDeferredWork(), closed = nio.makeDeferredWork(), last = nio.makeDeferredWork()
                deferred.schedule { order.seen.append("deferred") }
                closed.schedule { order.seen.append("dropped") }
                closed.close()
                // Tasks run in the order queued: this one after both above.
                last.schedule { c.resume(returning: order.seen) }
                order.seen.append("now")
            }
        }
        #expect(seen == ["now", "deferred"])
    }
}
