import NIOCore

/// Runs a task's jobs on one NIO event loop (SE-0417's task executor
/// preference): the gRPC face's handlers run where their connections' I/O
/// and the scheduler link already are, so a call reads, queues, waits and
/// answers without crossing to Swift concurrency's pool and back.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        // Run as this task executor (not the loop's serial executor), so the
        // runtime sees the job already where its task prefers to be.
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
