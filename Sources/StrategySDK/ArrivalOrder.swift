import DequeModule

/// Ids in arrival order with lazy removal: a strategy keeps its live items
/// in `QueuedItems` (or a table of its own) and this index skips ids that
/// are no longer there, so removing an item is O(1) and taking the oldest
/// is amortised O(1).
///
/// A class, so a strategy holds it in a `let` and no exclusivity check runs
/// per call (its storage is reached from one thread only: every strategy
/// call comes from one thread).
public final class ArrivalOrder {
    @usableFromInline struct Entry {
        @usableFromInline var id: UInt64
        @usableFromInline var arrivalNs: Int64
        @inlinable init(id: UInt64, arrivalNs: Int64) { self.id = id; self.arrivalNs = arrivalNs }
    }

    @exclusivity(unchecked) @usableFromInline var entries = Deque<Entry>()

    public init() {}

    /// Appends an id; with its arrival time, `first(arrivedBy:live:)` can
    /// answer "nothing that old" without looking the oldest up.
    @inlinable
    public func append(_ id: UInt64, arrivalNs: Int64 = .min) {
        entries.append(Entry(id: id, arrivalNs: arrivalNs))
    }

    /// Appends an item, with its arrival time.
    @inlinable
    public func append(_ item: Item) {
        append(item.id, arrivalNs: item.arrivalNs)
    }

    /// The oldest id still in `live`, dropping stale ones in front of it.
    @inlinable
    public func first(live: some Liveness) -> UInt64? {
        while let entry = entries.first {
            if live.isLive(entry.id) { return entry.id }
            entries.removeFirst()
        }
        return nil
    }

    /// The oldest id still in `live`, with its arrival time.
    @inlinable
    public func firstEntry(live: some Liveness) -> (id: UInt64, arrivalNs: Int64)? {
        guard let id = first(live: live), let entry = entries.first else { return nil }
        return (id, entry.arrivalNs)
    }

    /// The oldest id still in `live` if it arrived at or before `cutoff`
    /// (an aging check): while even the oldest entry, live or not, is
    /// younger, it answers nil at once.
    @inlinable
    public func first(arrivedBy cutoff: Int64, live: some Liveness) -> UInt64? {
        while let entry = entries.first, entry.arrivalNs <= cutoff {
            if live.isLive(entry.id) { return entry.id }
            entries.removeFirst()
        }
        return nil
    }

    /// Removes and returns the oldest id still in `live` (it stays in `live`:
    /// the caller removes it there).
    @inlinable
    public func popFirst(live: some Liveness) -> UInt64? {
        guard let id = first(live: live) else { return nil }
        entries.removeFirst()
        return id
    }
}
