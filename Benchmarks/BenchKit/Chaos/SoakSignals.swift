import Foundation

/// Set once, read from any task: tells the clients to stop sending.
/// `@unchecked Sendable`: `value` is read and written only under `lock`.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}

/// A count read by the progress line.
/// `@unchecked Sendable`: `count` is read and written only under `lock`.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    func increment() { lock.withLock { count += 1 } }
}
