import NIOCore

/// Runs a task's jobs on one NIO event loop (SE-0417's task executor
/// preference), so async code that does I/O on that loop — a gRPC handler in
/// the ingress, an upstream call in the worker — reads, waits and answers on
/// the loop's thread instead of crossing to Swift concurrency's pool and back
/// (on a VM each crossing can wake an idle thread: 100–300 µs).
public final class EventLoopTaskExecutor: TaskExecutor {
    public let eventLoop: any EventLoop

    public init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        // Run as this task executor (not the loop's serial executor), so the
        // runtime sees the job already where its task prefers to be.
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
