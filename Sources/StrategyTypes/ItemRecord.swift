/// An `Item` as a table keeps it: everything but its id (the table's key)
/// and its client's name (kept once per client, by index). Plain data, 40
/// bytes against the item's 72 and no reference to count, so a deep queue
/// is half the memory to miss in, and dropping one touches nothing.
public struct ItemRecord: Sendable {
    public var client: UInt32
    public var priority: Int32
    public var cost: UInt64
    public var arrivalNs: Int64
    public var deadlineNs: Int64
    public var serviceNs: Int64

    @inlinable
    public init(_ item: Item) {
        client = item.client
        priority = item.priority
        cost = item.cost
        arrivalNs = item.arrivalNs
        deadlineNs = item.deadlineNs
        serviceNs = item.serviceNs
    }

    /// The item again, with its id and its client's name.
    @inlinable
    public func item(id: ItemID, clientName: String) -> Item {
        Item(id: id, client: client, clientName: clientName, priority: priority, cost: cost,
             arrivalNs: arrivalNs, deadlineNs: deadlineNs, serviceNs: serviceNs)
    }
}
