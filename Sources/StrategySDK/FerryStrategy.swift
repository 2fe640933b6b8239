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
    init(_ c: UnsafePointer<ferry_item>, hostIs1_1: Bool) {
        let item = c.pointee
        self.init(id: item.id, client: item.client, clientName: item.client_name.map { String(cString: $0) } ?? "",
                  priority: item.priority, cost: item.cost, arrivalNs: item.arrival_ns, deadlineNs: item.deadline_ns,
                  serviceNs: hostIs1_1 ? item.service_ns : 0)
    }
}
