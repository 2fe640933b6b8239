import StrategyHost

/// The strategies the bench runs when none is named: every `lib*.so` in a
/// directory that exports Ferry's entry symbol (what `swift build` put beside
/// the bench). Discovered, not listed, so a user's own plugin built into the
/// same directory shows up in `swift run bench` without a code change.
public enum BuiltinStrategies {
    /// The shipped strategies, in the bench's table order (simplest first,
    /// the offline optimum last); any others follow alphabetically.
    static let shippedOrder = ["fifo", "batch", "timed", "sjf", "priority", "fair", "edf", "optimal"]

    /// The strategy names found in `directory`, in table order.
    public static func discover(in directory: String) -> [String] {
        let names = StrategyLocator(builtinDirectory: directory).builtinNames()
        let rank = { (name: String) in shippedOrder.firstIndex(of: name) ?? shippedOrder.count }
        return names.sorted { (rank($0), $0) < (rank($1), $1) }
    }
}
