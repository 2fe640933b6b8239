/// Nanoseconds since the soak started, shared by the sender, the fault
/// injector and the report, so every time in the report is on one axis.
struct SoakClock: Sendable {
    let start = ContinuousClock.now

    func nowNs() -> Int64 { ns(ContinuousClock.now) }

    func ns(_ instant: ContinuousClock.Instant) -> Int64 {
        let d = instant - start
        return d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000
    }

    func instant(atNs ns: Int64) -> ContinuousClock.Instant { start + .nanoseconds(ns) }
}
