#if canImport(Glibc)
import Glibc
#endif

/// Turns a `FerryStrategy` type into the C function table the host loads.
///
/// Each plugin library links its own copy of this SDK, so the one factory
/// kept here belongs to exactly one plugin: C function pointers cannot
/// capture the strategy's type, so `create` finds it through this factory.
public enum StrategyExport {
    nonisolated(unsafe) private static var factory: ((StrategyConfig) throws -> any FerryStrategy)?
    nonisolated(unsafe) private static var exported: UnsafeMutablePointer<ferry_strategy>?

    /// The table for `type`, named `name`; built once, lives forever.
    public static func table<S: FerryStrategy>(name: String, _ type: S.Type) -> UnsafePointer<ferry_strategy> {
        if let exported { return UnsafePointer(exported) }
        factory = { config in try S(config: config) }
        let t = UnsafeMutablePointer<ferry_strategy>.allocate(capacity: 1)
        t.initialize(to: ferry_strategy(
            magic: FERRY_STRATEGY_MAGIC,
            abi_major: FERRY_STRATEGY_ABI_MAJOR,
            abi_minor: FERRY_STRATEGY_ABI_MINOR,
            size: UInt32(MemoryLayout<ferry_strategy>.size),
            name: UnsafePointer(strdup(name)),
            create: { config, errorOut, errorLength in
                do {
                    // The strategy reads its keys; a key it did not read is refused here, by name.
                    let parsed = try StrategyConfig(config.map { String(cString: $0) } ?? "")
                    let strategy = try StrategyExport.factory!(parsed)
                    try parsed.finish()
                    return Unmanaged.passRetained(Instance(strategy)).toOpaque()
                } catch {
                    if let errorOut, errorLength > 0 {
                        let message = Array(String(describing: error).utf8.prefix(errorLength - 1))
                        for (i, byte) in message.enumerated() { errorOut[i] = CChar(bitPattern: byte) }
                        errorOut[message.count] = 0
                    }
                    return nil
                }
            },
            destroy: { state in
                if let state { Unmanaged<Instance>.fromOpaque(state).release() }
            },
            arrived: { state, item, now in
                let instance = Instance.of(state)
                let item = Item(item!, hostIs1_1: instance.hostAttached)
                instance.strategy.queued?.hostInsert(item)
                instance.strategy.arrived(item, now: now)
            },
            removed: { state, id, reason, now in
                let strategy = Instance.of(state).strategy
                strategy.removed(id, reason: RemovalReason(rawValue: reason.rawValue) ?? .cancelled, now: now)
                strategy.queued?.hostRemove(id)
            },
            next_batch: { state, now, limit, freeSlots, decision in
                let d = decision!
                var builder = BatchBuilder(ids: d.pointee.ids, capacity: Int(limit),
                                           expireIDs: d.pointee.expire_ids, expireCapacity: Int(d.pointee.expire_capacity))
                let strategy = Instance.of(state).strategy
                let wake = strategy.nextBatch(now: now, freeSlots: Int(freeSlots), batch: &builder)
                if let queued = strategy.queued {
                    // What it answered has left its table (it may have taken them already).
                    for id in builder.appended { queued.hostRemove(id) }
                    for id in builder.expired { queued.hostRemove(id) }
                }
                d.pointee.count = UInt32(builder.count)
                d.pointee.expire_count = UInt32(builder.expiredCount)
                d.pointee.wake_at_ns = builder.count == 0 ? wake : Item.never
            },
            completed: { state, ids, count, serviceNs, success, now in
                Instance.of(state).strategy.completed(ids: BatchIDs(UnsafeBufferPointer(start: ids, count: Int(count))),
                                                      serviceNs: serviceNs, success: success != 0, now: now)
            },
            attach_host: { state, host in
                guard let host else { return }
                let instance = Instance.of(state)
                instance.hostAttached = true
                instance.strategy.attached(HostEstimates(host))
            }
        ))
        exported = t
        return UnsafePointer(t)
    }
}

/// Keeps a strategy instance alive behind the C `void *state`.
private final class Instance {
    let strategy: any FerryStrategy
    /// A 1.1+ host attached itself: its items carry `service_ns`.
    var hostAttached = false
    init(_ strategy: any FerryStrategy) { self.strategy = strategy }
    static func of(_ state: UnsafeMutableRawPointer?) -> Instance {
        Unmanaged<Instance>.fromOpaque(state!).takeUnretainedValue()
    }
}
