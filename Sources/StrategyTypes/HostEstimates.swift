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

    /// Whether the estimates are still only the prior of a law the host
    /// learns, no call of the backend measured yet (ABI 1.2): their shape
    /// is configured, their size a guess. False from a 1.1 host.
    public var lawIsPrior: Bool {
        let table = table.pointee
        guard Int(table.size) >= MemoryLayout<ferry_host>.offset(of: \ferry_host.law_is_prior)! + MemoryLayout<UnsafeRawPointer>.size,
              let lawIsPrior = table.law_is_prior else { return false }
        return lawIsPrior(table.context) != 0
    }
}
