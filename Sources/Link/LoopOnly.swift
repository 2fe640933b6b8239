/// A value that belongs to one event loop's thread (a libuv loop, a NIO
/// event loop): an object living on the loop, a completion handler the loop
/// must run. It is carried through code on other threads — a task,
/// AsyncHTTPClient's threads, a NIO future's `Sendable` closures — and used
/// again only back on the loop's thread (inside work given to `UVAsync.post`,
/// or a callback NIO runs on the loop).
///
/// `@unchecked Sendable` is safe under that rule: on other threads the
/// wrapper is only moved, never opened, so one thread alone touches the value.
public struct LoopOnly<Value>: @unchecked Sendable {
    private let value: Value

    public init(_ value: Value) {
        self.value = value
    }

    /// The value. Open it only on the loop's thread.
    public var onLoop: Value { value }
}
