/// Bookkeeping for closed-loop clients: which requests wait for which group
/// to be answered. Shared by the simulator and the live replay so both
/// release the next burst by the same rule.
public struct ClosedLoop: Sendable {
    private var remaining: [Int: Int] = [:]
    private var waiting: [Int: [Int]] = [:]
    private let groupOf: [Int?]

    public init(_ arrivals: [Arrival]) {
        groupOf = arrivals.map(\.group)
        for (i, a) in arrivals.enumerated() {
            if let g = a.group { remaining[g, default: 0] += 1 }
            if let g = a.afterGroup { waiting[g, default: []].append(i) }
        }
    }

    /// Request `index` was answered (in any way). Returns the requests that
    /// may now be sent: their `timeNs` counts from this moment.
    public mutating func answered(_ index: Int) -> [Int] {
        guard let g = groupOf[index], let left = remaining[g] else { return [] }
        if left > 1 {
            remaining[g] = left - 1
            return []
        }
        remaining[g] = nil
        return waiting.removeValue(forKey: g) ?? []
    }
}
