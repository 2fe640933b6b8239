import DequeModule

/// Ids in arrival order with lazy removal: a strategy keeps its live items
/// in a dictionary and this index skips ids that are no longer in it, so
/// removing an item is O(1) and taking the oldest is amortised O(1).
public struct ArrivalOrder {
    private var ids = Deque<UInt64>()

    public init() {}

    public mutating func append(_ id: UInt64) {
        ids.append(id)
    }

    /// The oldest id still in `live`, dropping stale ones in front of it.
    public mutating func first(live: some Liveness) -> UInt64? {
        while let id = ids.first {
            if live.isLive(id) { return id }
            ids.removeFirst()
        }
        return nil
    }

    /// Removes and returns the oldest id still in `live` (it stays in `live`:
    /// the caller removes it there).
    public mutating func popFirst(live: some Liveness) -> UInt64? {
        guard let id = first(live: live) else { return nil }
        ids.removeFirst()
        return id
    }
}
