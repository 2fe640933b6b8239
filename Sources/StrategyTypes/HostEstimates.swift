import StrategyABI

/// What the host estimates for a strategy, from its cost model (ABI 1.1, 1.2): a
/// view of the host's `ferry_host` table, the same for a Swift strategy in
/// the host's process and for a plugin.
public struct HostEstimates {
    /// The C table; valid as long as the strategy.
    public let table: UnsafePointer<ferry_host>

    public init(_ table: UnsafePointer<ferry_host>) {
        self.table = table
    }

    /// One field of the table, read alone: a host of an older minor version
    /// has a shorter table, and copying the whole struct (`table.pointee`)
    /// would read past its end. (A function pointer's path must name the
    /// stored optional, `field(\.f)!`: the implicitly unwrapped one is not
    /// a stored property, and has no address.)
    @inline(__always)
    private func field<T>(_ path: KeyPath<ferry_host, T>) -> T {
        table.pointer(to: path)!.pointee
    }

    /// The expected time, in ns, of one backend call holding these queued
    /// ids (ids that are not queued are left out).
    public func batchServiceNs(_ ids: UnsafeBufferPointer<ItemID>) -> Int64 {
        field(\ferry_host.batch_service_ns)!(field(\.context), ids.baseAddress, UInt32(ids.count))
    }

    public func batchServiceNs(_ ids: [ItemID]) -> Int64 {
        ids.withUnsafeBufferPointer { batchServiceNs($0) }
    }

    /// The same for a call of `count` items whose largest `cost` is
    /// `longest`, in O(1): for weighing many candidate groups of a sorted queue.
    public func callServiceNs(count: Int, longest: UInt64) -> Int64 {
        field(\ferry_host.call_service_ns)!(field(\.context), UInt32(count), longest)
    }

    /// Whether the estimates are still only the prior of a law the host
    /// learns, no call of the backend measured yet (ABI 1.2): their shape
    /// is configured, their size a guess. False from a 1.1 host.
    public var lawIsPrior: Bool {
        guard Int(field(\.size)) >= MemoryLayout<ferry_host>.offset(of: \ferry_host.law_is_prior)! + MemoryLayout<UnsafeRawPointer>.size,
              let lawIsPrior = field(\.law_is_prior) else { return false }
        return lawIsPrior(field(\.context)) != 0
    }
}
