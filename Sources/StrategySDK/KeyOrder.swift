import HeapModule

/// Ids ordered by a key, smallest first (ties by id, i.e. arrival), with lazy
/// removal like `ArrivalOrder`: O(log n) to insert and to take the smallest.
/// `sjf` keys by cost, `edf` by deadline.
public struct KeyOrder {
    private struct Entry: Comparable {
        var key: UInt64
        var id: UInt64
        static func < (a: Entry, b: Entry) -> Bool { (a.key, a.id) < (b.key, b.id) }
    }

    private var heap = Heap<Entry>()

    public init() {}

    public mutating func insert(id: UInt64, key: UInt64) {
        heap.insert(Entry(key: key, id: id))
    }

    /// The id with the smallest key still in `live`.
    public mutating func first(live: some Liveness) -> UInt64? {
        while let top = heap.min {
            if live.isLive(top.id) { return top.id }
            _ = heap.removeMin()
        }
        return nil
    }

    /// Removes and returns the id with the smallest key still in `live`.
    public mutating func popFirst(live: some Liveness) -> UInt64? {
        guard let id = first(live: live) else { return nil }
        _ = heap.removeMin()
        return id
    }
}
