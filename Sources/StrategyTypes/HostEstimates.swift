import StrategyABI

/// What the host estimates for a strategy, from its cost model (ABI 1.1): a
/// view of the host's `ferry_host` table, the same for a Swift strategy in
/// the host's process and for a plugin.
public struct HostEstimates {
    /// The C table; valid as long as the strategy.
    public let table: UnsafePointer<ferry_host>

    public init(_ table: UnsafePointer<ferry_host>) {
        self.table = table
    }

    /// The expected time, in ns, of one backend call holding these queued
    /// ids (ids that are not queued are left out).
    public func batchServiceNs(_ ids: UnsafeBufferPointer<ItemID>) -> Int64 {
        table.pointee.batch_service_ns(table.pointee.context, ids.baseAddress, UInt32(ids.count))
    }

    public func batchServiceNs(_ ids: [ItemID]) -> Int64 {
        ids.withUnsafeBufferPointer { batchServiceNs($0) }
    }

    /// The same for a call of `count` items whose largest `cost` is
    /// `longest`, in O(1): for weighing many candidate groups of a sorted queue.
    public func callServiceNs(count: Int, longest: UInt64) -> Int64 {
        table.pointee.call_service_ns(table.pointee.context, UInt32(count), longest)
    }
}
