import DequeModule

/// The built-in strategy the host falls back to when a plugin answers
/// nonsense: oldest first, filled up to the batch limit. It cannot starve
/// anything, which is the one property a fallback must have.
public final class OldestFirst: Strategy {
    public let name = "oldest-first"
    private var order = Deque<ItemID>()
    private var queued = Set<ItemID>()

    public init() {}

    public func arrived(_ item: Item, now: Int64) {
        if queued.insert(item.id).inserted { order.append(item.id) }
    }

    public func removed(_ id: ItemID, reason: RemovalReason, now: Int64) {
        queued.remove(id)  // left in `order`, skipped lazily
    }

    public func nextBatch(now: Int64, batchLimit: Int, freeSlots: Int, into ids: inout [ItemID], expire: inout [ItemID]) -> Int64 {
        while ids.count < batchLimit, let id = order.popFirst() {
            if queued.remove(id) != nil { ids.append(id) }
        }
        return timeNever
    }

    public func completed(_ ids: [ItemID], serviceNs: Int64, success: Bool, now: Int64) {}
}
