@_exported import StrategyABI
/// `Item`, `RemovalReason`: the same vocabulary the host's core speaks.
@_exported import StrategyTypes

/// What a strategy written in Swift implements. One instance serves one
/// scheduler; all calls come from one thread and carry `now` (nanoseconds on
/// the host's clock, virtual in the bench). Never read a clock yourself.
///
/// Export it with one line in the plugin's file:
///
/// ```swift
/// @c public func ferry_strategy_entry() -> UnsafePointer<ferry_strategy> {
///     StrategyExport.table(name: "mine", MyStrategy.self)
/// }
/// ```
public protocol FerryStrategy: SchedulingStrategy {
    /// Builds an instance from the user's configuration. Throw (any error;
    /// `StrategyConfig` throws helpful ones) to refuse it at start-up.
    init(config: StrategyConfig) throws
}

extension Item {
    /// `hostIs1_1`: the host attached itself, so it passed the 1.1 item
    /// (an older host's item ends before `service_ns`).
    /// Reads field by field: copying the whole (1.1) struct would read past
    /// a 1.0 host's item.
    init(_ c: UnsafePointer<ferry_item>, hostIs1_1: Bool) {
        func field<T>(_ path: KeyPath<ferry_item, T>) -> T { c.pointer(to: path)!.pointee }
        self.init(id: field(\.id), client: field(\.client), clientName: field(\.client_name).map { String(cString: $0) } ?? "",
                  priority: field(\.priority), cost: field(\.cost), arrivalNs: field(\.arrival_ns), deadlineNs: field(\.deadline_ns),
                  serviceNs: hostIs1_1 ? field(\.service_ns) : 0)
    }
}
