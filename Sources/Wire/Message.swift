/// The messages Ferry's processes exchange over Unix domain sockets.
///
/// ## Framing (protocol version 3)
///
/// Every message travels as one frame:
///
/// ```
/// +----------------+---------+--------------------+
/// | length: u32 BE | type:u8 | fields (type-wise) |
/// +----------------+---------+--------------------+
///   length counts type + fields; at most `FrameDecoder.maximumFrameSize`
/// ```
///
/// Integers are big-endian. `string` is `u16 length + UTF-8`; `bytes` is
/// `u32 length + raw bytes`. Fields per type:
///
/// | type | message     | fields                                                                  |
/// |------|-------------|-------------------------------------------------------------------------|
/// | 1    | hello       | version u16, role string                                                |
/// | 2    | ready       | —                                                                       |
/// | 3    | capacity    | model string, batchLimit u32, slots u32                                 |
/// | 4    | submit      | id u64, model string, client string, priority i32, cost u64, timeoutMs u32, payload bytes |
/// | 5    | result      | id u64, status u8, retryAfterMs u32, body bytes                         |
/// | 6    | batch       | batchID u64, model string, count u32, count × (id u64, cost u64, payload bytes) |
/// | 7    | batchResult | batchID u64, serviceNs u64, count u32, count × (status u8, body bytes)  |
/// | 8    | cancel      | id u64                                                                  |
/// | 9    | drain       | —                                                                       |
/// | 10   | ping        | sequence u64                                                            |
/// | 11   | pong        | sequence u64                                                            |
/// | 12   | status      | model string, queued u32, inFlight u32, highWater u32, maxQueued u32, drainPerS u32, strategy string, degraded string, cost string |
/// | 13   | metrics     | source string, text bytes (Prometheus text exposition format)            |
/// | 14   | childExited | role string, crashed u8 (0/1), detail string                            |
/// | 15   | challenge   | nonce bytes                                                              |
/// | 16   | proof       | mac bytes                                                                |
///
/// Every connection starts with `hello` from the connecting side; the
/// accepting side checks the version and answers `hello` (and closes on a
/// mismatch). Who talks to whom:
///
/// - child → supervisor (control socket): `hello(role)`, then `ready` once the
///   child can serve; the supervisor sends `drain` to begin a graceful stop,
///   and `ping` several times per heartbeat timeout, answered with `pong` (a child
///   whose loop hangs is killed and restarted).
/// - ingress → scheduler: `submit`, `cancel`; scheduler → ingress: `result`,
///   and `status` (queue depth, its high-water mark, drain rate, strategy and
///   whether it was replaced by the fallback) when it changes, at most 10×/s.
/// - worker → scheduler: `capacity` after hello, one per model it serves;
///   scheduler → worker: `batch` (for one model); worker → scheduler:
///   `batchResult` (one outcome per item, in order). Batch ids are unique
///   across models. The scheduler passes each model's `capacity` on to the
///   ingress and sends one `status` per model.
/// - Every model is named by its configured name; a name the receiver does
///   not serve is answered (`submit`: `invalid`; `batch`: every item
///   `failed`), never guessed.
/// - `metrics`: a process's own Prometheus samples, for the ingress's
///   `/metrics`. One route: each child sends its own on its control socket;
///   the supervisor keeps the latest of each source and passes them, with its
///   own, to the ingress. Each replaces the last one from the same source.
/// - over TCP, before anything else: the acceptor answers the hello with
///   `challenge(nonce)`, the connector with `proof(HMAC-SHA256 of it under the
///   shared secret)`; then the acceptor's hello (see `Link.SecretGate`).
/// - supervisor → scheduler (control socket): `childExited(worker)` after the
///   worker died, saying whether it crashed (a crash signal, a failure exit,
///   or killed for a hang: the batch it ran may be to blame) or was killed
///   from outside (SIGKILL or SIGTERM it did not send: no item is to blame).
public enum Message: Equatable, Sendable {
    case hello(version: UInt16, role: String)
    case ready
    case capacity(model: String, batchLimit: UInt32, slots: UInt32)
    case submit(Submit)
    case result(RequestResult)
    case batch(Batch)
    case batchResult(BatchResult)
    case cancel(id: UInt64)
    case drain
    case ping(sequence: UInt64)
    case pong(sequence: UInt64)
    case status(SchedulerStatus)
    case metrics(source: String, text: [UInt8])
    case childExited(role: String, crashed: Bool, detail: String)
    /// Over TCP, the accepting side's answer to a hello: prove you know the
    /// shared secret (see `Link.SecretGate`).
    case challenge(nonce: [UInt8])
    case proof(mac: [UInt8])

    /// The protocol version this build speaks.
    /// 2: `childExited`, `challenge`, `proof` and the `busy` status.
    /// 3: models: `submit`, `batch`, `capacity` and `status` name theirs.
    /// 4: `status` says the cost law in force; a batch's items carry their cost.
    public static let protocolVersion: UInt16 = 4
}

/// One client request handed from ingress to the scheduler.
public struct Submit: Equatable, Sendable {
    /// Unique per ingress connection; the scheduler answers with the same id.
    public var id: UInt64
    /// The model it is for (its queue and strategy in the scheduler).
    public var model: String
    /// The client's identity (header or API key), used for fairness.
    public var client: String
    /// Larger is more urgent; 0 by default.
    public var priority: Int32
    /// Size hint in backend units (characters for the text classifier).
    public var cost: UInt64
    /// Time the client is willing to wait, in milliseconds; 0 means no deadline.
    public var timeoutMs: UInt32
    /// What the backend classifies (opaque to the scheduler).
    public var payload: [UInt8]

    public init(id: UInt64, model: String = "classifier", client: String, priority: Int32 = 0, cost: UInt64, timeoutMs: UInt32 = 0, payload: [UInt8]) {
        self.id = id
        self.model = model
        self.client = client
        self.priority = priority
        self.cost = cost
        self.timeoutMs = timeoutMs
        self.payload = payload
    }
}

/// How a request (or one item of a batch) ended.
public enum Status: UInt8, Sendable, CaseIterable {
    /// Answered; the body is the label.
    case ok = 0
    /// Refused because a queue was full; the client may retry later.
    case rejected = 1
    /// Its deadline passed before it could run; never sent to the backend.
    case expired = 2
    /// The backend failed it; the body says why.
    case failed = 3
    /// The request itself is unacceptable (for example over the backend's limits).
    case invalid = 4
    /// Ferry is shutting down or has no backend.
    case unavailable = 5
    /// The worker cannot start this batch now (all its backend slots are
    /// taken): a capacity disagreement between Ferry's own processes, so the
    /// scheduler queues the items again; never a client's answer.
    case busy = 6
}

/// The scheduler's answer for one submitted request.
public struct RequestResult: Equatable, Sendable {
    public var id: UInt64
    public var status: Status
    /// For `rejected`: when a retry is likely to be accepted (from the drain rate); 0 otherwise.
    public var retryAfterMs: UInt32
    /// The label when `status == .ok`, otherwise a human-readable reason.
    public var body: [UInt8]

    public init(id: UInt64, status: Status, retryAfterMs: UInt32 = 0, body: [UInt8]) {
        self.id = id
        self.status = status
        self.retryAfterMs = retryAfterMs
        self.body = body
    }
}

/// What the scheduler tells ingress about itself (for `/readyz` and `/metrics`).
public struct SchedulerStatus: Equatable, Sendable {
    /// The model whose queue this is.
    public var model: String
    public var queued: UInt32
    public var inFlight: UInt32
    /// The deepest the queue has been since the scheduler started.
    public var highWater: UInt32
    public var maxQueued: UInt32
    /// Requests answered per second, recently.
    public var drainPerS: UInt32
    /// The strategy in charge.
    public var strategy: String
    /// Why the strategy was replaced by the built-in fallback; empty if it was not.
    public var degraded: String
    /// The cost law in force, for people: learned or configured, and its recent error.
    public var cost: String

    public init(model: String = "classifier", queued: UInt32, inFlight: UInt32, highWater: UInt32, maxQueued: UInt32, drainPerS: UInt32,
                strategy: String, degraded: String, cost: String = "") {
        self.model = model
        self.cost = cost
        self.queued = queued
        self.inFlight = inFlight
        self.highWater = highWater
        self.maxQueued = maxQueued
        self.drainPerS = drainPerS
        self.strategy = strategy
        self.degraded = degraded
    }
}

/// A batch the scheduler sends to the worker.
public struct Batch: Equatable, Sendable {
    public struct Item: Equatable, Sendable {
        public var id: UInt64
        /// Its size in the backend's units, as the scheduler knew it (the
        /// worker's call log records it, so a cost law can be fitted offline).
        public var cost: UInt64
        public var payload: [UInt8]
        public init(id: UInt64, cost: UInt64 = 0, payload: [UInt8]) {
            self.id = id
            self.cost = cost
            self.payload = payload
        }
    }

    public var batchID: UInt64
    /// The model whose backend runs it.
    public var model: String
    public var items: [Item]

    public init(batchID: UInt64, model: String = "classifier", items: [Item]) {
        self.batchID = batchID
        self.model = model
        self.items = items
    }
}

/// The worker's answer for a batch: one outcome per item, in batch order.
public struct BatchResult: Equatable, Sendable {
    public struct Outcome: Equatable, Sendable {
        public var status: Status
        public var body: [UInt8]
        public init(status: Status, body: [UInt8]) {
            self.status = status
            self.body = body
        }
    }

    public var batchID: UInt64
    /// How long the backend call took, in nanoseconds.
    public var serviceNs: UInt64
    public var outcomes: [Outcome]

    public init(batchID: UInt64, serviceNs: UInt64, outcomes: [Outcome]) {
        self.batchID = batchID
        self.serviceNs = serviceNs
        self.outcomes = outcomes
    }
}
