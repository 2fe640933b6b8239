import Scheduling
import StrategyABI

/// A loaded plugin instance seen through the core's `Strategy` protocol: the
/// only place that calls through the C function table.
public final class PluginStrategy: Strategy {
    public let name: String
    /// The file it was loaded from.
    public let path: String
    private let table: UnsafePointer<ferry_strategy>
    private let state: UnsafeMutableRawPointer?
    private var buffer: UnsafeMutablePointer<UInt64>
    private var bufferCapacity: Int
    private let expireBuffer: UnsafeMutablePointer<UInt64>
    private static let expireCapacity = 256
    /// What `attach_host` was given: it must live as long as the instance.
    private var host: UnsafeMutablePointer<ferry_host>?
    /// The core, which owns this strategy: weak, so no cycle and no dangling.
    private weak var costs: CostEstimating?

    init(table: UnsafePointer<ferry_strategy>, path: String, config: String) throws(PluginLoadError) {
        self.table = table
        self.path = path
        self.name = table.pointee.name.map { String(cString: $0) } ?? "unnamed"
        var error = [CChar](repeating: 0, count: 512)
        let created = config.withCString { cfg in table.pointee.create(cfg, &error, error.count) }
        guard let created else {
            let reason = String(decoding: error.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw .createFailed(path: path, name: name, reason: reason.isEmpty ? "create returned NULL" : reason)
        }
        self.state = created
        bufferCapacity = 64
        buffer = .allocate(capacity: bufferCapacity)
        expireBuffer = .allocate(capacity: Self.expireCapacity)
    }

    deinit {
        table.pointee.destroy(state)
        buffer.deallocate()
        expireBuffer.deallocate()
        host?.deallocate()
    }

    /// Hands a 1.1 plugin the host's estimates; a 1.0 table has no
    /// `attach_host` (its `size` ends before it) and is never read past its end.
    public func attach(costs: CostEstimating) {
        let size = UnsafeRawPointer(table).load(fromByteOffset: 12, as: UInt32.self)
        guard host == nil, PluginLoader.covers(size, \ferry_strategy.attach_host), let attach = table.pointee.attach_host else { return }
        self.costs = costs
        // The context is this adapter, which lives exactly as long as the plugin's instance.
        let h = UnsafeMutablePointer<ferry_host>.allocate(capacity: 1)
        h.initialize(to: ferry_host(
            size: UInt32(MemoryLayout<ferry_host>.size), context: Unmanaged.passUnretained(self).toOpaque(),
            batch_service_ns: { context, ids, count in
                PluginStrategy.of(context).costs?.batchServiceNs(UnsafeBufferPointer(start: ids, count: Int(count))) ?? 0
            },
            call_service_ns: { context, count, longest in
                PluginStrategy.of(context).costs?.callServiceNs(count: Int(count), longest: longest) ?? 0
            }))
        host = h
        attach(state, h)
    }

    private static func of(_ context: UnsafeMutableRawPointer?) -> PluginStrategy {
        Unmanaged<PluginStrategy>.fromOpaque(context!).takeUnretainedValue()
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

    public func nextBatch(now: Int64, batchLimit: Int, freeSlots: Int, into ids: inout [ItemID], expire: inout [ItemID]) -> Int64 {
        if batchLimit > bufferCapacity {
            buffer.deallocate()
            bufferCapacity = batchLimit
            buffer = .allocate(capacity: bufferCapacity)
        }
        var decision = ferry_decision(ids: buffer, count: 0, wake_at_ns: timeNever, expire_ids: expireBuffer,
                                      expire_capacity: UInt32(Self.expireCapacity), expire_count: 0)
        table.pointee.next_batch(state, now, UInt32(batchLimit), UInt32(freeSlots), &decision)
        let count = Int(decision.count)
        for i in 0..<min(count, batchLimit) { ids.append(buffer[i]) }
        // An over-long answer is reported as such (id 0 is never valid), not truncated.
        if count > batchLimit { ids.append(0) }
        for i in 0..<min(Int(decision.expire_count), Self.expireCapacity) { expire.append(expireBuffer[i]) }
        return decision.wake_at_ns
    }

    public func completed(_ ids: [ItemID], serviceNs: Int64, success: Bool, now: Int64) {
        ids.withUnsafeBufferPointer { p in
            table.pointee.completed(state, p.baseAddress, UInt32(p.count), serviceNs, success ? 1 : 0, now)
        }
    }
}

