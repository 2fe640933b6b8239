import StrategyABI
import StrategyTypes

/// A loaded plugin instance seen as a `SchedulingStrategy`: the only place
/// that calls through the C function table. Its answers go straight into the
/// host's buffers (the `BatchBuilder`'s), with no copy.
public final class PluginStrategy: SchedulingStrategy {
    public let name: String
    /// The file it was loaded from.
    public let path: String
    private let table: UnsafePointer<ferry_strategy>
    private let state: UnsafeMutableRawPointer?
    /// The table's `size`: fields past it (a 1.0 plugin's) are never read.
    private let size: UInt32

    init(table: UnsafePointer<ferry_strategy>, path: String, config: String) throws(PluginLoadError) {
        self.table = table
        self.path = path
        self.name = table.pointee.name.map { String(cString: $0) } ?? "unnamed"
        size = UnsafeRawPointer(table).load(fromByteOffset: 12, as: UInt32.self)
        var error = [CChar](repeating: 0, count: 512)
        let created = config.withCString { cfg in table.pointee.create(cfg, &error, error.count) }
        guard let created else {
            let reason = String(decoding: error.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw .createFailed(path: path, name: name, reason: reason.isEmpty ? "create returned NULL" : reason)
        }
        self.state = created
    }

    deinit {
        table.pointee.destroy(state)
    }

    /// Hands a 1.1 plugin the host's estimates; a 1.0 table has no
    /// `attach_host` (its `size` ends before it) and is never read past its end.
    public func attached(_ host: HostEstimates) {
        guard PluginLoader.covers(size, \ferry_strategy.attach_host), let attach = table.pointee.attach_host else { return }
        attach(state, host.table)
    }

    public func arrived(_ item: Item, now: Int64) {
        item.clientName.withCString { client in
            var c = ferry_item(id: item.id, client: item.client, priority: item.priority, cost: item.cost,
                               arrival_ns: item.arrivalNs, deadline_ns: item.deadlineNs, client_name: client,
                               service_ns: item.serviceNs)
            table.pointee.arrived(state, &c, now)
        }
    }

    public func removed(_ id: ItemID, reason: RemovalReason, now: Int64) {
        table.pointee.removed(state, id, ferry_removed_reason(rawValue: reason.rawValue), now)
    }

    public func nextBatch(now: Int64, freeSlots: Int, batch: inout BatchBuilder) -> Int64 {
        var decision = ferry_decision(ids: batch.rawIDs, count: 0, wake_at_ns: Item.never, expire_ids: batch.rawExpireIDs,
                                      expire_capacity: UInt32(batch.expireCapacity), expire_count: 0)
        table.pointee.next_batch(state, now, UInt32(batch.capacity), UInt32(freeSlots), &decision)
        batch.adopt(claimed: Int(decision.count), expired: Int(decision.expire_count))
        return decision.wake_at_ns
    }

    public func completed(ids: BatchIDs, serviceNs: Int64, success: Bool, now: Int64) {
        table.pointee.completed(state, ids.rawBuffer.baseAddress, UInt32(ids.count), serviceNs, success ? 1 : 0, now)
    }
}
