import Link
import LibUV
import Logging
import Redis
import Wire

/// Where a stream reader's requests go: the stream ingress's scheduler link.
protocol RequestSink: AnyObject {
    /// Submits a request and returns its id; the answer comes to `reader.answered`.
    func submit(_ request: Submit, for reader: StreamReader) -> UInt64
    /// Withdraws a request nobody will take the answer of.
    func withdraw(_ id: UInt64)
}

/// Reads one stream in its consumer group and turns its entries into
/// requests: its own unanswered entries first (after a restart), then other
/// consumers' long-idle ones (they died), then new ones; at most `inFlight`
/// at once, so the broker holds the backlog. Each answer is written to the
/// results stream and the entry acknowledged in one atomic step
/// (`AnswerScript`); an entry that keeps failing goes to the dead-letter
/// stream with its error after `maxDeliveries` tries.
///
/// Two Redis connections: one for the blocking read of new entries, one for
/// everything else (a blocked connection runs nothing behind it). If either
/// is lost, everything in flight is withdrawn and the reader starts over
/// after a backoff: the entries are still pending in Redis, so it finds them
/// again as its own. On its loop's thread only.
final class StreamReader {
    let config: StreamConfig
    private let loop: UVLoop
    private let logger: Logger
    private unowned let sink: RequestSink
    private let metrics: StreamMetrics
    /// Called when a count changed (the metrics report coalesces them).
    var onMetricsChange: (() -> Void)?
    private var reader: RedisConnection?
    private var writer: RedisConnection?
    /// Bumped on every (re)start: a reply of an older session is ignored.
    private var session = 0
    private var ready = false

    private struct Pending {
        var entry: StreamEntry
        /// What it is submitted as (each submission gets its id from the sink).
        var request: Submit
        /// Deliveries so far, Redis's count plus this reader's own retries.
        var attempts: Int
    }
    private var pending: [String: Pending] = [:]
    private var byRequest: [UInt64: String] = [:]
    /// Answers being written (an entry stays in `pending` until written).
    private var writing = 0
    private var readingNew = false
    private var busy = false  // a recovery or claim read is out
    private var ownCursor: String? = "0"
    private var claimCursor = "0-0"
    private var claimDue = false
    private let claimTimer: UVTimer
    private let retryTimer: UVTimer
    private let restartTimer: UVTimer
    private var retryAt: [(dueNs: Int64, id: String)] = []
    private var backoff = Backoff(firstMs: 100, maxMs: 5_000)
    private var draining = false
    /// Runs once when draining has finished.
    var onDrained: (() -> Void)?

    /// Counts, for the logs and the supervisor's metrics.
    private(set) var answered = 0
    private(set) var deadLettered = 0
    private(set) var claimed = 0

    init(config: StreamConfig, loop: UVLoop, sink: RequestSink, metrics: StreamMetrics, logger: Logger) throws {
        self.config = config
        self.loop = loop
        self.sink = sink
        self.metrics = metrics
        self.logger = logger
        claimTimer = try UVTimer(loop: loop)
        retryTimer = try UVTimer(loop: loop)
        restartTimer = try UVTimer(loop: loop)
    }

    private var label: String { "stream \(config.key) (model \(config.model), group \(config.group), consumer \(config.consumer))" }

    // MARK: Life

    func start() {
        session += 1
        let mine = session
        ready = false
        ownCursor = "0"
        claimCursor = "0-0"
        do {
            let onClose: (RedisError?) -> Void = { [unowned self] error in
                guard mine == self.session, !self.draining || error != nil else { return }
                self.lost(error?.description ?? "the Redis connection closed")
            }
            writer = try RedisConnection(loop: loop, address: config.redis, onClose: onClose)
            reader = try RedisConnection(loop: loop, address: config.redis, onClose: onClose)
        } catch {
            lost(error.description)
            return
        }
        // The group from the stream's start: entries written before Ferry was up are served too.
        writer?.command(["XGROUP", "CREATE", config.key, config.group, "0", "MKSTREAM"]) { [unowned self] reply in
            guard mine == self.session else { return }
            if let error = reply.errorMessage, !error.hasPrefix("BUSYGROUP") {
                self.lost("cannot create consumer group \(self.config.group) on \(self.config.key): \(error)")
                return
            }
            self.backoff.reset()
            self.ready = true
            self.logger.info("reading \(self.label) at \(self.config.redis)")
            let every = UInt64(max(50, self.config.claimIdleMs / 2))
            self.claimTimer.start(afterMilliseconds: every, repeat: every) { [unowned self] in
                self.keepOwnership()
                self.claimDue = true
                self.pump()
            }
            self.pump()
        }
    }

    /// A connection failed: withdraw everything, start over after a backoff.
    private func lost(_ reason: String) {
        session += 1
        ready = false
        let held = pending.count
        for id in byRequest.keys { sink.withdraw(id) }
        pending.removeAll()
        byRequest.removeAll()
        retryAt.removeAll()
        metrics.inFlight(config, 0)
        writing = 0
        readingNew = false
        busy = false
        claimTimer.stop()
        retryTimer.stop()
        writer?.abort()
        reader?.abort()
        writer = nil
        reader = nil
        if draining {
            finishDrain()
            return
        }
        let delay = backoff.next()
        logger.warning("\(label): \(reason); \(held) entr\(held == 1 ? "y" : "ies") left pending in Redis; retrying in \(delay) ms")
        restartTimer.start(afterMilliseconds: delay) { [unowned self] in self.start() }
    }

    /// Stops reading; finishes once every entry in flight is answered (or
    /// left pending, when Redis is gone).
    func drain() {
        draining = true
        claimTimer.stop()
        restartTimer.stop()
        if !ready || (pending.isEmpty && writing == 0) { finishDrain() }
    }

    private func finishDrain() {
        guard let done = onDrained else { return }
        onDrained = nil
        session += 1
        // Nothing more is wanted of either (a blocking read may be out).
        writer?.abort()
        reader?.abort()
        writer = nil
        reader = nil
        retryTimer.stop()
        claimTimer.close()
        retryTimer.close()
        restartTimer.close()
        logger.info("\(label): stopped (\(answered) answered, \(deadLettered) dead-lettered, \(claimed) taken over, \(pending.count) left pending)")
        done()
    }

    // MARK: Reading

    private var room: Int { config.inFlight - pending.count }

    /// Reads what there is room for: own pending entries, then claims when
    /// due, then new entries (a blocking read, one at a time).
    private func pump() {
        guard ready, !draining, room > 0, let writer, let reader else { return }
        let mine = session
        if !busy, let cursor = ownCursor {
            busy = true
            writer.command(["XREADGROUP", "GROUP", config.group, config.consumer, "COUNT", "\(room)", "STREAMS", config.key, cursor]) {
                [unowned self] reply in
                guard mine == self.session else { return }
                self.busy = false
                if let error = reply.errorMessage { return self.lost("reading own pending entries: \(error)") }
                let entries = StreamEntry.fromRead(reply)
                self.ownCursor = entries.last?.id
                if !entries.isEmpty { self.logger.info("\(self.label): \(entries.count) unanswered entr\(entries.count == 1 ? "y" : "ies") of this consumer found again") }
                self.take(recovered: entries)
            }
        }
        if !busy, claimDue {
            claimDue = false
            busy = true
            writer.command(["XAUTOCLAIM", config.key, config.group, config.consumer, "\(config.claimIdleMs)", claimCursor, "COUNT", "\(room)"]) {
                [unowned self] reply in
                guard mine == self.session else { return }
                self.busy = false
                if let error = reply.errorMessage { return self.lost("claiming idle entries: \(error)") }
                guard let claim = StreamEntry.fromClaim(reply) else { return self.lost("XAUTOCLAIM answered \(reply)") }
                self.claimCursor = claim.cursor
                if !claim.entries.isEmpty {
                    self.claimed += claim.entries.count
                    self.metrics.claimed(self.config, claim.entries.count)
                    self.logger.warning("\(self.label): took over \(claim.entries.count) entr\(claim.entries.count == 1 ? "y" : "ies") idle over \(self.config.claimIdleMs) ms (their consumer died?)")
                }
                self.take(recovered: claim.entries)
            }
        }
        if !readingNew && ownCursor == nil {
            readingNew = true
            reader.command(["XREADGROUP", "GROUP", config.group, config.consumer, "COUNT", "\(room)", "BLOCK", "1000",
                            "STREAMS", config.key, ">"]) { [unowned self] reply in
                guard mine == self.session else { return }
                self.readingNew = false
                if let error = reply.errorMessage { return self.lost("reading new entries: \(error)") }
                for entry in StreamEntry.fromRead(reply) { self.take(entry, deliveries: 1) }
                self.pump()
            }
        }
    }

    /// Resets the idle time of the entries this reader is still working on
    /// (queued in Ferry, waiting to be retried): a live consumer's entries
    /// must not look abandoned to another Ferry's `XAUTOCLAIM`, however long
    /// Ferry's queue is. `XCLAIM … JUSTID` with no idle bound keeps them this
    /// consumer's without counting a delivery.
    private func keepOwnership() {
        guard ready, !pending.isEmpty, let writer else { return }
        let mine = session
        writer.command(["XCLAIM", config.key, config.group, config.consumer, "0"] + pending.keys.sorted() + ["JUSTID"]) {
            [unowned self] reply in
            guard mine == self.session, let error = reply.errorMessage else { return }
            self.lost("refreshing this consumer's entries: \(error)")
        }
    }

    /// Entries delivered before (own or claimed): their delivery counts first.
    private func take(recovered entries: [StreamEntry]) {
        guard let first = entries.first, let last = entries.last, let writer else { return pump() }
        let mine = session
        writer.command(["XPENDING", config.key, config.group, first.id, last.id, "\(entries.count)", config.consumer]) {
            [unowned self] reply in
            guard mine == self.session else { return }
            let counts = StreamEntry.deliveries(reply)
            for entry in entries { self.take(entry, deliveries: counts[entry.id] ?? 1) }
            self.pump()
        }
    }

    private func take(_ entry: StreamEntry, deliveries: Int) {
        guard pending[entry.id] == nil else { return }  // already in flight here
        guard entry.fields != nil else {
            // Deleted or trimmed while pending: nothing to answer, nothing to keep.
            writer?.command(["XACK", config.key, config.group, entry.id]) { _ in }
            return
        }
        let data = entry.data ?? []
        // A payload that is not UTF-8 text (an image) is sized in bytes.
        let cost = String(validating: data, as: UTF8.self).map { config.itemSize.size(ofText: $0) } ?? UInt64(data.count)
        let request = Submit(id: 0, model: config.model, client: config.key, priority: entry.field("priority").flatMap { Int32($0) } ?? 0,
                             cost: cost, timeoutMs: config.timeoutMs, payload: data)
        pending[entry.id] = Pending(entry: entry, request: request, attempts: deliveries)
        guard entry.data != nil else {
            return finish(entry.id, status: .invalid, body: Array("entry has no \"\(StreamEntry.dataField)\" field".utf8))
        }
        metrics.inFlight(config, pending.count)
        submit(entry.id)
    }

    private func submit(_ id: String) {
        guard let p = pending[id] else { return }
        byRequest[sink.submit(p.request, for: self)] = id
    }

    // MARK: Answers

    /// The scheduler's answer for request `id`.
    func answered(_ id: UInt64, _ result: RequestResult) {
        guard let entryID = byRequest.removeValue(forKey: id), var p = pending[entryID] else { return }
        switch result.status {
        case .ok:
            finish(entryID, status: .ok, body: result.body)
        case .rejected, .unavailable, .busy:
            // Ferry is full or has no backend right now: not the entry's fault, not a delivery.
            later(entryID, afterMs: UInt64(max(50, min(5_000, Int(result.retryAfterMs)))))
        case .invalid:
            finish(entryID, status: .invalid, body: result.body)
        case .failed, .expired:
            if p.attempts >= config.maxDeliveries {
                finish(entryID, status: result.status, body: result.body)
            } else {
                p.attempts += 1
                pending[entryID] = p
                later(entryID, afterMs: UInt64(min(5_000, 100 << min(p.attempts, 6))))
            }
        }
    }

    private func later(_ id: String, afterMs: UInt64) {
        retryAt.append((UVLoop.nowNanoseconds() + Int64(afterMs) * 1_000_000, id))
        armRetry()
    }

    private func armRetry() {
        guard let next = retryAt.map(\.dueNs).min() else { return retryTimer.stop() }
        let waitMs = UInt64(max(0, (next - UVLoop.nowNanoseconds() + 999_999) / 1_000_000))
        retryTimer.start(afterMilliseconds: waitMs) { [unowned self] in
            let now = UVLoop.nowNanoseconds()
            let due = self.retryAt.filter { $0.dueNs <= now }.map(\.id)
            self.retryAt.removeAll { $0.dueNs <= now }
            for id in due { self.submit(id) }
            self.armRetry()
        }
    }

    /// Writes the answer (or the dead letter) and acknowledges the entry.
    private func finish(_ id: String, status: Status, body: [UInt8]) {
        guard let p = pending[id], let writer else { return }
        let mine = session
        // The entry's own fields travel with the answer (a frame number, a
        // send time), but the payload only to the dead letters.
        let own = (p.entry.fields ?? []).filter { $0.name != StreamEntry.dataField && !Self.answerFields.contains($0.name) }
        var fields: [(String, [UInt8])] = [("entry", Array(id.utf8)), ("model", Array(config.model.utf8)),
                                           ("status", Array("\(status)".utf8)), ("deliveries", Array("\(p.attempts)".utf8))]
        let target: String
        if status == .ok {
            target = config.results
            fields.append(("result", body))
        } else {
            target = config.deadLetter
            fields.append(("error", body))
            fields.append((StreamEntry.dataField, p.request.payload))
            logger.error("\(label): entry \(id) goes to \(config.deadLetter) after \(p.attempts) deliver\(p.attempts == 1 ? "y" : "ies"): \(status): \(String(decoding: body.prefix(300), as: UTF8.self))")
        }
        writing += 1
        writer.command(AnswerScript.command(stream: config.key, to: target, group: config.group, consumer: config.consumer,
                                            entry: id, fields: own.map { ($0.name, $0.value) } + fields)) { [unowned self] reply in
            guard mine == self.session else { return }
            self.writing -= 1
            if let error = reply.errorMessage { return self.lost("writing the answer of entry \(id) to \(target): \(error)") }
            if reply == .integer(0) {
                self.logger.warning("\(self.label): entry \(id) was taken over by another consumer before its answer; that one answers it")
                self.metrics.finished(self.config, .lost)
            } else if status == .ok {
                self.answered += 1
                self.metrics.finished(self.config, .answered)
            } else {
                self.deadLettered += 1
                self.metrics.finished(self.config, .deadLettered)
            }
            self.pending[id] = nil
            self.metrics.inFlight(self.config, self.pending.count)
            self.onMetricsChange?()
            if self.draining {
                if self.pending.isEmpty && self.writing == 0 { self.finishDrain() }
            } else {
                self.pump()
            }
        }
    }

    /// The answer's own fields, which an entry's fields of the same name do not repeat.
    static let answerFields: Set<String> = ["entry", "model", "status", "deliveries", "result", "error"]
}
