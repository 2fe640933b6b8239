/// The items a strategy holds, kept for it by its host adapter (the SDK's
/// export for a plugin, the core for an in-process strategy): an item is in
/// it from its arrival until it leaves — taken by the strategy (`take`),
/// dispatched, expired or cancelled by the host. A strategy that offers one
/// (`let queued = QueuedItems()`) keeps no table of its own in step with its
/// indexes: they check liveness here.
public final class QueuedItems {
    private var items: [ItemID: Item] = [:]

    public init() {}

    public subscript(id: ItemID) -> Item? { items[id] }
    public var count: Int { items.count }
    public var isEmpty: Bool { items.isEmpty }

    /// The strategy takes `id` into a batch, or gives it up: it leaves now.
    @discardableResult
    public func take(_ id: ItemID) -> Item? {
        items.removeValue(forKey: id)
    }

    /// For host adapters: an item arrived (before the strategy hears of it).
    public func hostInsert(_ item: Item) {
        items[item.id] = item
    }

    /// For host adapters: an item left (after the strategy heard of it).
    public func hostRemove(_ id: ItemID) {
        items[id] = nil
    }
}
