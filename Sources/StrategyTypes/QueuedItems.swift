/// The items a strategy holds, kept for it by its host adapter (the SDK's
/// export for a plugin, the core for an in-process strategy): an item is in
/// it from its arrival until it leaves — taken by the strategy (`take`),
/// dispatched, expired or cancelled by the host. A strategy that offers one
/// (`let queued = QueuedItems()`) keeps no table of its own in step with its
/// indexes: they check liveness here (one read, see `IDTable`).
public final class QueuedItems {
    @usableFromInline let records = IDTable<ItemRecord>()
    /// Client names by the host's client index (the same for the process's life).
    @exclusivity(unchecked) @usableFromInline var names: [String] = []

    public init() {}

    @inlinable
    public subscript(id: ItemID) -> Item? {
        guard let record = records[id] else { return nil }
        return record.item(id: id, clientName: names[Int(record.client)])
    }

    public var count: Int { records.count }
    public var isEmpty: Bool { records.isEmpty }

    /// Whether `id` is still held.
    @inlinable
    public func contains(_ id: ItemID) -> Bool { records.contains(id) }

    /// The strategy takes `id` into a batch, or gives it up: it leaves now.
    @inlinable
    @discardableResult
    public func take(_ id: ItemID) -> Item? {
        guard let record = records.remove(id) else { return nil }
        return record.item(id: id, clientName: names[Int(record.client)])
    }

    /// `take` for a strategy that needs nothing more of the item (it has its
    /// id and size already): it leaves now, and its record is not read.
    /// False when it had already left.
    @inlinable
    @discardableResult
    public func discard(_ id: ItemID) -> Bool {
        records.discard(id)
    }

    /// For host adapters: an item arrived (before the strategy hears of it).
    @inlinable
    public func hostInsert(_ item: Item) {
        let client = Int(item.client)
        if client >= names.count { names.append(contentsOf: repeatElement("", count: client + 1 - names.count)) }
        if names[client] != item.clientName { names[client] = item.clientName }
        records.insert(item.id, ItemRecord(item))
    }

    /// For host adapters: an item left (after the strategy heard of it).
    @inlinable
    public func hostRemove(_ id: ItemID) {
        records.discard(id)
    }
}
