import DequeModule

/// Ids grouped by size (an item's `cost`), sizes ascending, each group
/// oldest first, with an exact count of the live ids per size: what `sjf`
/// and `optimal` walk. Sizes are lengths — characters, tokens — so there are
/// few distinct ones next to the items queued, and taking the smallest is
/// O(1) amortised (a heap of 100,000 ids spent most of a decision on cache
/// misses); a strategy weighing candidate groups reads sizes and counts
/// without touching one item.
///
/// Lazy removal: an id that leaves by another way (taken out of arrival
/// order, cancelled, expired) stays in its group until skipped; its owner
/// calls `removed(size:)` so the counts stay exact, and passes its
/// `QueuedItems` to the calls that skip.
///
/// Cost: O(log k) to insert (k distinct sizes queued), plus O(k) when a size
/// is new or its last id leaves; O(1) amortised to take the first.
public final class SizeOrder {
    // One thread reaches this storage (every strategy call comes from one): no exclusivity check per call.
    /// Distinct sizes with at least one live id, ascending.
    @exclusivity(unchecked) @usableFromInline var sizes: [UInt64] = []
    /// Live ids per size (same index as `sizes`).
    @exclusivity(unchecked) @usableFromInline var counts: [Int] = []
    /// Ids per size in arrival order, the dead ones not yet skipped among them.
    @exclusivity(unchecked) @usableFromInline var groups: [Deque<UInt64>] = []
    /// Emptied groups' storage, for the next new size (the smallest size
    /// empties and comes back all the time: no allocation each time).
    @exclusivity(unchecked) @usableFromInline var spare: [Deque<UInt64>] = []
    /// Live ids in all.
    @exclusivity(unchecked) @usableFromInline var liveCount = 0
    public var count: Int { liveCount }

    public init() {}

    /// Distinct sizes queued.
    @inlinable public var sizeCount: Int { sizes.count }

    /// The `i`-th smallest distinct size queued, and how many live ids have it.
    @inlinable public func group(_ i: Int) -> (size: UInt64, count: Int) { (sizes[i], counts[i]) }

    /// The smallest size queued.
    @inlinable public var smallestSize: UInt64? { sizes.first }

    @inlinable public func insert(id: UInt64, size: UInt64) {
        let i = index(of: size)
        if i == sizes.count || sizes[i] != size {
            sizes.insert(size, at: i)
            counts.insert(0, at: i)
            groups.insert(spare.popLast() ?? Deque(), at: i)
        }
        groups[i].append(id)
        counts[i] += 1
        liveCount += 1
    }

    /// A live id of `size` left by another way: it is skipped from now on.
    @inlinable public func removed(size: UInt64) {
        let i = index(of: size)
        guard i < sizes.count, sizes[i] == size, counts[i] > 0 else { return }
        counts[i] -= 1
        liveCount -= 1
        if counts[i] == 0 { dropGroup(i) }
    }

    /// Takes the oldest live id of the smallest size (it stays in `live`: the
    /// caller takes it there).
    @inlinable public func popFirst(live: some Liveness) -> (id: UInt64, size: UInt64)? {
        guard !sizes.isEmpty else { return nil }
        let size = sizes[0]
        guard let id = pop(group: 0, live: live) else { return nil }
        return (id, size)
    }

    /// The largest size queued that is not above `size`.
    @inlinable public func largestSize(atMost size: UInt64) -> UInt64? {
        var i = index(of: size)
        if i == sizes.count || sizes[i] > size { i -= 1 }
        return i >= 0 ? sizes[i] : nil
    }

    /// Takes the oldest live id of the largest size not above `size` (nil
    /// when every queued size is larger): the item that rides along in a call
    /// whose cost a larger item already sets, and that would cost the most
    /// to serve later.
    @inlinable public func popLargest(atMost size: UInt64, live: some Liveness) -> (id: UInt64, size: UInt64)? {
        var i = index(of: size)
        if i == sizes.count || sizes[i] > size { i -= 1 }
        while i >= 0 {
            let found = sizes[i]
            if let id = pop(group: i, live: live) { return (id, found) }
            i -= 1  // only dead ids were left there; the group is gone
        }
        return nil
    }

    /// Takes the oldest live id of the `i`-th smallest size. Takes from the
    /// largest index down when taking from several groups: a group whose
    /// last id leaves is dropped, and the ones after it move up.
    @inlinable public func pop(group i: Int, live: some Liveness) -> UInt64? {
        while let id = groups[i].popFirst() {
            guard live.isLive(id) else { continue }
            counts[i] -= 1
            liveCount -= 1
            if counts[i] == 0 { dropGroup(i) }
            return id
        }
        // Only dead ids were left: the counts had drifted (an owner missed a
        // `removed`); drop the group so it is not offered again.
        liveCount -= counts[i]
        dropGroup(i)
        return nil
    }

    @usableFromInline func dropGroup(_ i: Int) {
        sizes.remove(at: i)
        counts.remove(at: i)
        var group = groups.remove(at: i)
        if spare.count < 16 {
            group.removeAll(keepingCapacity: true)
            spare.append(group)
        }
    }

    /// The first index whose size is not below `size`.
    @inlinable func index(of size: UInt64) -> Int {
        var low = 0, high = sizes.count
        while low < high {
            let mid = (low + high) >> 1
            if sizes[mid] < size { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
