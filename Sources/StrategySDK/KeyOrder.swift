/// Ids ordered by a key, smallest first (ties by id, i.e. arrival), with lazy
/// removal like `ArrivalOrder`: O(log n) to insert and to take the smallest.
/// `sjf` keys by cost, `edf` by deadline.
///
/// A 4-ary min-heap in one flat array: at depth 100,000 it is half as deep as
/// a binary heap and a node's four children share a cache line, which is
/// what a decision's cost comes down to there (swift-collections' `Heap` is
/// a min-max heap, deeper work per level for a max this never asks for).
/// A class for the reason `ArrivalOrder` is one.
public final class KeyOrder {
    @usableFromInline struct Entry {
        @usableFromInline var key: UInt64
        @usableFromInline var id: UInt64
        @inlinable init(key: UInt64, id: UInt64) { self.key = key; self.id = id }
        @inlinable static func < (a: Entry, b: Entry) -> Bool { a.key < b.key || (a.key == b.key && a.id < b.id) }
    }

    @exclusivity(unchecked) @usableFromInline var heap: [Entry] = []

    public init() {}

    /// Entries held, live or not yet skipped.
    public var count: Int { heap.count }

    @inlinable
    public func insert(id: UInt64, key: UInt64) {
        let entry = Entry(key: key, id: id)
        heap.append(entry)
        heap.withUnsafeMutableBufferPointer { h in
            var i = h.count - 1
            while i > 0 {
                let parent = (i - 1) >> 2
                guard entry < h[parent] else { break }
                h[i] = h[parent]
                i = parent
            }
            h[i] = entry
        }
    }

    /// The id with the smallest key still in `live`.
    @inlinable
    public func first(live: some Liveness) -> UInt64? {
        while let top = heap.first {
            if live.isLive(top.id) { return top.id }
            removeMin()
        }
        return nil
    }

    /// Removes and returns the id with the smallest key still in `live`.
    @inlinable
    public func popFirst(live: some Liveness) -> UInt64? {
        guard let id = first(live: live) else { return nil }
        removeMin()
        return id
    }

    @inlinable
    func removeMin() {
        let last = heap.removeLast()
        guard !heap.isEmpty else { return }
        heap.withUnsafeMutableBufferPointer { h in
            let n = h.count
            var i = 0
            while true {
                let first = 4 * i + 1
                guard first < n else { break }
                var child = first
                let end = min(first + 4, n)
                var c = first + 1
                while c < end {
                    if h[c] < h[child] { child = c }
                    c += 1
                }
                guard h[child] < last else { break }
                h[i] = h[child]
                i = child
            }
            h[i] = last
        }
    }
}
