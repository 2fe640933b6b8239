import LoopExecutor
import NIOPosix

/// The worker's one thread for talking to model servers: every upstream
/// face's connections (AsyncHTTPClient's pool, grpc-swift's transport) and
/// every call's async code run on it, so a call crosses threads twice (the
/// worker's libuv loop to here, and back through an `UVAsync`) instead of
/// hopping through Swift concurrency's pool and NIO's threads several times
/// each way — on an idle VM each hop wakes a sleeping thread, and a MiniLM
/// call through Ferry measured 2–3 ms slower than the same call made
/// directly. Alive for the process, as NIO's own singleton group is.
public enum UpstreamLoop {
    public static let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    /// For `Task(executorPreference:)`: the task's code runs on `group`'s thread.
    public static let executor = EventLoopTaskExecutor(eventLoop: group.next())
}
