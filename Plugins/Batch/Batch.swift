import StrategySDK

// `batch` is the SDK's `OldestFirst` (see its doc comment): the same policy
// the host falls back to, exported as a plugin under its table name.
@c public func ferry_strategy_entry() -> UnsafePointer<ferry_strategy> {
    StrategyExport.table(name: "batch", OldestFirst.self)
}
