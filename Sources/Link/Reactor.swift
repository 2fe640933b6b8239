/// What a process's logic needs from the loop it runs on: a clock, timers,
/// and links to listen for and to open. The libuv loop (`LinkUV.UVReactor`)
/// is one; a manual clock with in-memory links (`LinkEmbedded`) is another,
/// so the scheduler's and the worker's logic are unit-tested with no process,
/// no socket and no sleep (as `NIOEmbedded` drives channel code).
///
/// Everything happens on the reactor's one thread: callbacks never overlap.
public protocol Reactor: AnyObject {
    /// Monotonic nanoseconds.
    var nowNanoseconds: Int64 { get }
    /// A stopped timer.
    func makeTimer() -> ReactorTimer
    /// A stopped one-shot timer that keeps nanoseconds (the scheduler's
    /// wake-ups: a strategy's sub-millisecond hold must not last a whole
    /// millisecond). By default a `makeTimer()` rounded up to milliseconds.
    func makePreciseTimer() -> PreciseTimer
    /// Accepts links at `address`: a Unix socket path, or `tcp://HOST:PORT`
    /// (`tcp://[::1]:PORT` for IPv6) between hosts.
    func listen(at address: String, label: String, onAccept: @escaping (MessageLink) -> Void) throws -> LinkListener
    /// Opens a link to `address`; `completion` runs once, on the reactor.
    func connect(to address: String, label: String, completion: @escaping (Result<MessageLink, LinkError>) -> Void)
    /// A stopped `DeferredWork`: work run once the messages already read are delivered.
    func makeDeferredWork() -> DeferredWork
}

/// Runs work once, soon, on the reactor: after every message already read
/// has been delivered, before the loop next waits (so it adds no wait), and
/// with what the work sends sent before that wait. The scheduler decides once
/// for the requests that arrived together, not once each. Life: make,
/// schedule any number of times, close once (work not yet run is dropped).
public protocol DeferredWork: AnyObject {
    func schedule(_ work: @escaping () -> Void)
    func close()
}

/// A one-shot or repeating timer. Life: make, start/stop any number of
/// times, close once.
public protocol ReactorTimer: AnyObject {
    func start(afterMilliseconds milliseconds: UInt64, repeat: UInt64, _ action: @escaping () -> Void)
    func stop()
    func close()
}

extension ReactorTimer {
    public func start(afterMilliseconds milliseconds: UInt64, _ action: @escaping () -> Void) {
        start(afterMilliseconds: milliseconds, repeat: 0, action)
    }
}

/// A one-shot timer counted in nanoseconds. Life: make, start/stop any
/// number of times, close once.
public protocol PreciseTimer: AnyObject {
    func start(afterNanoseconds nanoseconds: UInt64, _ action: @escaping () -> Void)
    func stop()
    func close()
}

extension Reactor {
    public func makePreciseTimer() -> PreciseTimer { MillisecondTimer(makeTimer()) }
}

/// A `ReactorTimer` as a `PreciseTimer`: the wait rounded up to whole
/// milliseconds, so it is never early (reactors with no finer timer).
public final class MillisecondTimer: PreciseTimer {
    public let timer: ReactorTimer
    public init(_ timer: ReactorTimer) { self.timer = timer }
    public func start(afterNanoseconds nanoseconds: UInt64, _ action: @escaping () -> Void) {
        timer.start(afterMilliseconds: (nanoseconds + 999_999) / 1_000_000, action)
    }
    public func stop() { timer.stop() }
    public func close() { timer.close() }
}

/// Where links are accepted; close to stop accepting.
public protocol LinkListener: AnyObject {
    /// Where it listens, as peers would name it (a TCP port 0 resolved).
    var address: String { get }
    func close()
}

/// Why a link could not be opened or accepted.
public struct LinkError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
