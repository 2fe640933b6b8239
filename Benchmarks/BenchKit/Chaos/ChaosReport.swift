import Foundation

/// Everything a chaos soak found, as a value a test can inspect and
/// `chaos.json` holds.
public struct ChaosReport: Sendable, Codable {
    /// Identical non-200 answers, grouped.
    public struct ErrorAnswer: Sendable, Codable {
        public let status: UInt
        public let body: String
        public let count: Int
        /// Whether Ferry may legitimately give it during the faults (see `isExpected`).
        public let expected: Bool
    }

    /// How many times the requests' texts ran on the backend.
    public struct Executions: Sendable, Codable {
        /// False when the worker's call log had no keys: the counts below are then 0 and mean nothing.
        public var measured: Bool
        public var calls = 0
        public var never = 0, once = 0, moreThanOnce = 0
        /// Answered 200 yet never ran on the backend: should be 0.
        public var answeredWithoutRunning = 0
    }

    public struct Recovery: Sendable, Codable {
        public let kind: FaultKind
        public let count: Int
        public let medianMs: Double?
        public let worstMs: Double?
        /// Faults after which no request sent later was answered 200.
        public let unrecovered: Int
        /// Killed children back ready (from `supervisor.json`): median and worst.
        public var backMedianMs: Double?
        public var backWorstMs: Double?
    }

    public let options: ChaosOptions
    public var sent = 0
    /// Answered exactly once, 200, with the right label.
    public var right = 0
    /// No answer and no transport error within the per-request timeout.
    public var lost = 0
    /// A second answer for one request: at an HTTP client this can only show
    /// as a protocol error on the connection (an answer nobody asked for), so
    /// it counts transport errors classified as protocol errors.
    public var answeredTwice = 0
    /// 200 with the wrong label, or a 200 body that is not `{"result": …}`.
    public var wrong = 0
    /// Non-200 answers Ferry should not give, even under these faults.
    public var unexpectedErrors = 0
    public var expectedErrors = 0
    public var errorAnswers: [ErrorAnswer] = []
    /// Transport errors by kind (refused, reset, timeout, protocol, other).
    public var connectionErrors: [String: Int] = [:]
    /// Up to 3 distinct descriptions of the transport errors of each kind,
    /// with when they happened, to check the classification.
    public var errorSamples: [String: [String]] = [:]
    public var executions = Executions(measured: false)
    /// Children alive after their supervisor had gone (drain or SIGKILL).
    public var orphans = 0
    /// Supervisors that exited without being stopped by the soak.
    public var supervisorExits: [String] = []
    public var faults: [FaultRecord] = []
    public var recovery: [Recovery] = []
    public var durationMs = 0.0

    /// Nothing lost, nothing twice, nothing wrong, no unexpected error, no
    /// orphan, and no supervisor that stopped by itself: `bench chaos` exits 0.
    public var passed: Bool {
        lost == 0 && answeredTwice == 0 && wrong == 0 && unexpectedErrors == 0 && orphans == 0 && supervisorExits.isEmpty
    }

    /// Which non-200 answers are legitimate during this soak's faults:
    ///
    /// - 503 saying Ferry is shutting down ("ingress is shutting down",
    ///   "scheduler is shutting down", "ingress stopped before the scheduler
    ///   answered"), given while a drain-kill or supervisor-kill had Ferry
    ///   stopping — the README's answer to work that arrives during a stop.
    /// - 502 naming the upstream, answered while the model server was down
    ///   (from its kill until it answered /healthz again, plus 1 s for the
    ///   worker's last tries): the README's contract for the http backend is
    ///   3 tries with backoff, then a 502 that says why. The model server is
    ///   not Ferry's child, and its restart takes longer than those tries.
    ///
    /// Nothing else is: killing, or pausing, a worker or scheduler costs
    /// latency only (the batch is re-queued, the ingress resubmits); killing
    /// the ingress resets its connections (a transport error, not a status);
    /// the load stays far below the queue bound, so no 429; no deadline is
    /// set, so no 504; and a 502 "died during the call 3 times" would mean one
    /// item was in flight across three worker deaths, which 2–6 s between
    /// faults and millisecond calls rule out.
    static func isExpected(status: UInt, body: String, answeredMs: Double, faults: [FaultRecord]) -> Bool {
        if status == 502, body.contains("upstream") {
            return faults.contains { f in
                guard let killed = f.targets.first(where: { $0.name == FaultSchedule.modelServer }) else { return false }
                return answeredMs >= killed.atMs && answeredMs <= (f.modelServerUpMs ?? .infinity) + 1000
            }
        }
        guard status == 503, body.contains("shutting down") || body.contains("stopped before") else { return false }
        return faults.contains { f in
            guard let until = f.downUntilMs else { return false }
            return answeredMs >= f.atMs && answeredMs <= until
        }
    }

    init(options: ChaosOptions, records: [RequestRecord], faults: [FaultRecord], callLog: BackendCallLog,
         supervisorExits: [String], durationMs: Double) {
        self.options = options
        self.supervisorExits = supervisorExits
        self.durationMs = durationMs
        sent = records.count
        var groups: [String: (status: UInt, body: String, count: Int, expected: Bool)] = [:]
        executions.measured = callLog.hasKeys
        executions.calls = callLog.calls
        for r in records {
            if let status = r.status {
                if status == 200 {
                    if r.isRight { right += 1 } else { wrong += 1 }
                } else {
                    let expected = Self.isExpected(status: status, body: r.body ?? "", answeredMs: Double(r.answeredNs ?? 0) / 1e6, faults: faults)
                    if expected { expectedErrors += 1 } else { unexpectedErrors += 1 }
                    let key = "\(status) \(expected) \(r.body ?? "")"
                    groups[key, default: (status, r.body ?? "", 0, expected)].count += 1
                }
            } else if let error = r.error {
                connectionErrors[error.rawValue, default: 0] += 1
                if error == .timeout { lost += 1 }
                if error == .protocolError { answeredTwice += 1 }
                let sample = r.errorDescription ?? ""
                if errorSamples[error.rawValue, default: []].count < 3, !(errorSamples[error.rawValue]?.contains { $0.hasSuffix(sample) } ?? false) {
                    errorSamples[error.rawValue, default: []].append(String(format: "at %.1f s: ", Double(r.sentNs) / 1e9) + sample)
                }
            } else {
                lost += 1  // never finished: cannot happen once every send returned, counted to be safe
            }
            if callLog.hasKeys {
                let runs = callLog.runs(of: r.text)
                switch runs {
                case 0: executions.never += 1
                case 1: executions.once += 1
                default: executions.moreThanOnce += 1
                }
                if runs == 0 && r.status == 200 { executions.answeredWithoutRunning += 1 }
            }
        }
        errorAnswers = groups.values.map { ErrorAnswer(status: $0.status, body: $0.body, count: $0.count, expected: $0.expected) }
            .sorted { ($0.count, $0.status) > ($1.count, $1.status) }
        orphans = faults.reduce(0) { $0 + $1.orphans.count }
        self.faults = Self.withRecovery(faults, records: records)
        recovery = Self.recoveries(self.faults)
    }

    /// A fault's recovery: until the first 200 answer to a request sent after it.
    static func withRecovery(_ faults: [FaultRecord], records: [RequestRecord]) -> [FaultRecord] {
        let ok = records.filter { $0.status == 200 && $0.answeredNs != nil }
            .map { (sent: Double($0.sentNs) / 1e6, answered: Double($0.answeredNs!) / 1e6) }
        return faults.map { f in
            var f = f
            f.recoveryMs = ok.filter { $0.sent >= f.atMs }.map(\.answered).min().map { $0 - f.atMs }
            return f
        }
    }

    static func recoveries(_ faults: [FaultRecord]) -> [Recovery] {
        FaultKind.allCases.compactMap { kind in
            let of = faults.filter { $0.kind == kind }
            guard !of.isEmpty else { return nil }
            let times = of.compactMap(\.recoveryMs).sorted()
            let back = of.flatMap { $0.targets.compactMap(\.backMs) }.sorted()
            return Recovery(kind: kind, count: of.count, medianMs: times.median, worstMs: times.last,
                            unrecovered: of.count - times.count, backMedianMs: back.median, backWorstMs: back.last)
        }
    }
}
