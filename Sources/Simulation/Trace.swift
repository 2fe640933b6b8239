/// One request of a workload: who sends what, and when.
public struct Arrival: Sendable, Equatable, Codable {
    public var client: String
    /// Send time, ns from the start of the run.
    public var timeNs: Int64
    /// Text length (the cost hint the ingress would compute).
    public var length: Int
    /// Time the client will wait, ms; nil for none.
    public var timeoutMs: Int?
    public var priority: Int32

    public init(client: String, timeNs: Int64, length: Int, timeoutMs: Int? = nil, priority: Int32 = 0) {
        self.client = client
        self.timeNs = timeNs
        self.length = length
        self.timeoutMs = timeoutMs
        self.priority = priority
    }
}

/// The backend a workload runs on: a call of items lasts
/// `callNs + unitNs × (longest length)²`, at most `batchLimit` items a call,
/// `concurrency` calls at once.
public struct BackendModel: Sendable, Equatable, Codable {
    public var batchLimit: Int
    public var concurrency: Int
    /// Per squared character of the call's longest text.
    public var unitNs: Double
    /// Fixed time per call, whatever it holds (an LLM API's round trip).
    public var callNs: Double

    public init(batchLimit: Int, concurrency: Int, unitNs: Double, callNs: Double = 0) {
        self.batchLimit = batchLimit
        self.concurrency = concurrency
        self.unitNs = unitNs
        self.callNs = callNs
    }

    /// How long a call with these lengths takes.
    public func serviceNs(longest: Int) -> Int64 {
        Int64((callNs + unitNs * Double(longest) * Double(longest)).rounded())
    }
}
