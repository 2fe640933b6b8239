import CostModel

/// One request of a workload: who sends what, and when.
///
/// Open-loop requests have an absolute send time. A closed-loop client (one
/// that waits for its answers, as the seed's client does between bursts)
/// marks its requests with a `group`, and a later request with `afterGroup`:
/// its `timeNs` is then an offset from the moment the last request of that
/// group was answered.
public struct Arrival: Sendable, Equatable, Codable {
    public var client: String
    /// Send time in ns from the start of the run, or after `afterGroup` is answered.
    public var timeNs: Int64
    /// Text length (the cost hint the ingress would compute).
    public var length: Int
    /// Time the client will wait, ms; nil for none.
    public var timeoutMs: Int?
    public var priority: Int32
    /// The set of requests this one belongs to, for closed-loop clients.
    public var group: Int?
    /// Send only after every request of this group was answered.
    public var afterGroup: Int?

    public init(client: String, timeNs: Int64, length: Int, timeoutMs: Int? = nil, priority: Int32 = 0,
                group: Int? = nil, afterGroup: Int? = nil) {
        self.client = client
        self.timeNs = timeNs
        self.length = length
        self.timeoutMs = timeoutMs
        self.priority = priority
        self.group = group
        self.afterGroup = afterGroup
    }
}

/// The backend a workload runs on: a call of items lasts what the seed's
/// cost law says (`callNs + unitNs × (longest length)²`, see `CostModel`), at
/// most `batchLimit` items a call, `concurrency` calls at once.
public struct BackendModel: Sendable, Equatable, Codable {
    public var batchLimit: Int
    public var concurrency: Int
    /// Per squared character of the call's longest text.
    public var unitNs: Double
    /// Fixed time per call, whatever it holds (an LLM API's round trip).
    public var callNs: Double
    /// Per item of the call, and per item padded to the longest (`n·m`,
    /// `n·m²`): a transformer's law (all zero for the seed's).
    public var perItemNs: Double = 0
    public var paddedNs: Double = 0
    public var paddedSquaredNs: Double = 0

    public init(batchLimit: Int, concurrency: Int, unitNs: Double, callNs: Double = 0,
                perItemNs: Double = 0, paddedNs: Double = 0, paddedSquaredNs: Double = 0) {
        self.batchLimit = batchLimit
        self.concurrency = concurrency
        self.unitNs = unitNs
        self.callNs = callNs
        self.perItemNs = perItemNs
        self.paddedNs = paddedNs
        self.paddedSquaredNs = paddedSquaredNs
    }

    /// The backend's cost law, as the live scheduler and backend use it.
    public var costModel: CostModel {
        CostModel(fixedNs: callNs, perItemNs: perItemNs, longestSquaredNs: unitNs, paddedNs: paddedNs, paddedSquaredNs: paddedSquaredNs)
    }

    /// How long a call with items of these lengths takes.
    public func serviceNs(lengths: some Sequence<Int>) -> Int64 {
        costModel.callNs(sizes: lengths.lazy.map { UInt64(max(0, $0)) })
    }
}
