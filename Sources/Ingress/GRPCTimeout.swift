/// The `grpc-timeout` request header: up to 8 digits and a unit (H, M, S,
/// m, u, n). grpc-swift enforces it by cancelling the handler; Ferry also
/// needs it as the items' deadline, so the scheduler drops what would be late.
enum GRPCTimeout {
    /// Whole milliseconds, rounded up (at least 1); nil when absent or malformed.
    static func milliseconds(_ value: String) -> UInt32? {
        guard let unit = value.last, value.count >= 2, value.count <= 9, let amount = UInt64(value.dropLast()) else { return nil }
        let nanosPerUnit: UInt64
        switch unit {
        case "H": nanosPerUnit = 3_600_000_000_000
        case "M": nanosPerUnit = 60_000_000_000
        case "S": nanosPerUnit = 1_000_000_000
        case "m": nanosPerUnit = 1_000_000
        case "u": nanosPerUnit = 1_000
        case "n": nanosPerUnit = 1
        default: return nil
        }
        let (nanos, overflow) = amount.multipliedReportingOverflow(by: nanosPerUnit)
        if overflow { return UInt32.max }
        return UInt32(clamping: max(1, (nanos + 999_999) / 1_000_000))
    }
}
