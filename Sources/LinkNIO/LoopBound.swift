import NIOCore

/// A value owned by one NIO event loop — a `ControlLink`, say — that code on
/// other threads can hold and reach only by hopping there (`with`).
/// `@unchecked Sendable`: the value is read and written only on `eventLoop`
/// (the accessors run there or assert it).
public final class LoopBound<Value>: @unchecked Sendable {
    public let eventLoop: any EventLoop
    private var stored: Value?

    public init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Sets the value; call on the loop.
    public func set(_ value: Value?) {
        eventLoop.assertInEventLoop()
        stored = value
    }

    /// Runs `body` with the value on the loop (now, if already there).
    public func with(_ body: @escaping @Sendable (Value?) -> Void) {
        if eventLoop.inEventLoop { body(stored) } else { eventLoop.execute { body(self.stored) } }
    }
}
