/// One fault as it was really injected.
public struct FaultRecord: Sendable, Codable {
    public struct Target: Sendable, Codable {
        /// A child's name, "model-server" or "supervisor".
        public let name: String
        /// Nil when the target was not up to be hit (the record says so in `notes`).
        public let pid: Int32?
        /// When the signal went, ms since the soak started.
        public let atMs: Double
        /// For a killed Ferry child: from the kill until `supervisor.json`
        /// showed it ready again under a new pid.
        public var backMs: Double?
    }

    public let kind: FaultKind
    /// The first signal, ms since the soak started.
    public let atMs: Double
    public var targets: [Target]
    /// For faults that stop Ferry: from the first signal until the new
    /// supervisor was ready. A 503 "shutting down" answered inside it is
    /// expected; outside it, it is not.
    public var downUntilMs: Double?
    /// When the model server, killed by this fault, answered /healthz again.
    /// A 502 naming the upstream answered until then (plus the worker's
    /// retry time) is expected: Ferry retries 3 times, then says so.
    public var modelServerUpMs: Double?
    /// The stopped supervisor's exit status (drain-kill), or nil.
    public var exitStatus: Int32?
    /// Children still alive after their supervisor was gone (killed then).
    public var orphans: [Int32] = []
    /// Anything that did not go as Ferry promises, in words.
    public var notes: [String] = []
    /// Until the first 200 to a request sent after `atMs` (filled in by the report).
    public var recoveryMs: Double?
}
