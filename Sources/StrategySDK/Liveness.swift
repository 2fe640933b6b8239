/// What a lazy-deletion index asks: is this id still held? The table the
/// host keeps for a strategy (`QueuedItems`) answers, and so does a
/// strategy's own dictionary or `IDTable`.
public protocol Liveness {
    func isLive(_ id: UInt64) -> Bool
}

extension QueuedItems: Liveness {
    @inlinable
    public func isLive(_ id: UInt64) -> Bool { contains(id) }
}

extension IDTable: Liveness {
    @inlinable
    public func isLive(_ id: UInt64) -> Bool { contains(id) }
}

extension Dictionary: Liveness where Key == UInt64 {
    public func isLive(_ id: UInt64) -> Bool { self[id] != nil }
}
