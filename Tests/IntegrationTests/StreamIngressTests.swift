import Foundation
import Redis
import Testing
import TestSupport

/// The stream ingress end to end: a real redis-server, Ferry started as a
/// user would with `--redis` and `--stream`, entries written with XADD and
/// answers read back from the results stream.
@Suite struct StreamIngressTests {
    /// An entry's payload and the label the simulated backend gives it.
    static func payload(_ n: Int) -> (text: String, label: String) {
        n % 2 == 0 ? ("def f(): return \(n)", "code") : ("plain words \(n)", "not code")
    }

    /// The results stream as `entry id → fields`, failing on an entry answered twice.
    static func answers(_ redis: RedisServer, stream: String = "frames:results") throws -> [String: [String: String]] {
        var byEntry: [String: [String: String]] = [:]
        for row in try redis.command(["XRANGE", stream, "-", "+"]).elements ?? [] {
            guard let pair = row.elements, pair.count == 2, let flat = pair[1].elements else { continue }
            var fields: [String: String] = [:]
            for i in stride(from: 0, to: flat.count - 1, by: 2) { fields[flat[i].text ?? ""] = flat[i + 1].text ?? "" }
            let entry = fields["entry"] ?? "?"
            #expect(byEntry[entry] == nil, "entry \(entry) answered twice in \(stream)")
            byEntry[entry] = fields
        }
        return byEntry
    }

    static func length(_ redis: RedisServer, _ stream: String) throws -> Int {
        if case let .integer(n) = try redis.command(["XLEN", stream]) { return Int(n) }
        return 0
    }

    /// Waits (bounded) until `stream` holds `count` entries.
    static func waitForLength(_ redis: RedisServer, _ stream: String, atLeast count: Int, ferry: FerryInstance,
                              within seconds: Double = 120) async throws {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while try length(redis, stream) < count {
            guard ContinuousClock.now < deadline else {
                Issue.record("\(stream) holds \(try length(redis, stream)) of \(count) entries after \(seconds) s:\n\(ferry.log)")
                throw FerryInstance.Failure(description: "timed out")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Entries written before Ferry started, some of them taken by a consumer
    /// that then died (they sit in its pending list), and more written while
    /// it runs: every one is answered exactly once, with the right label and
    /// the entry's own fields; the dead consumer's are taken over.
    @Test func everyEntryIsAnsweredOnceIncludingADeadConsumers() async throws {
        let redis = try RedisServer()
        defer { redis.stop() }
        try await redis.waitUntilUp()
        var ids: [String: Int] = [:]
        func add(_ range: Range<Int>) throws {
            let replies = try redis.commands(range.map { ["XADD", "frames", "*", "data", Self.payload($0).text, "n", "\($0)"] })
            for (n, reply) in zip(range, replies) { ids[reply.text ?? "?"] = n }
        }
        try add(0..<40)
        _ = try redis.command(["XGROUP", "CREATE", "frames", "ferry", "0"])
        // A consumer "ghost" reads 5 entries and never answers them.
        let ghost = StreamEntryIDs.of(try redis.command(["XREADGROUP", "GROUP", "ferry", "ghost", "COUNT", "5", "STREAMS", "frames", ">"]))
        #expect(ghost.count == 5)

        let ferry = try FerryInstance(arguments: ["--strategy", "plugins/sjf.so", "--unit-ms", "0.02", "--redis", redis.address,
                                                  "--stream", "frames", "--stream-claim-idle-ms", "2000", "--stream-in-flight", "16"])
        try await Self.waitForLength(redis, "frames:results", atLeast: 35, ferry: ferry)
        try add(40..<100)
        try await Self.waitForLength(redis, "frames:results", atLeast: 100, ferry: ferry)

        let answers = try Self.answers(redis)
        #expect(answers.count == 100)
        for (id, n) in ids {
            let a = answers[id]
            #expect(a?["status"] == "ok" && a?["result"] == Self.payload(n).label && a?["n"] == "\(n)" && a?["model"] == "classifier",
                    "entry \(id) (n = \(n)): \(String(describing: a))")
        }
        for id in ghost { #expect(Int(answers[id]?["deliveries"] ?? "0")! >= 2, "ghost's entry \(id): \(String(describing: answers[id]))") }
        // The streamer's lines reach the log through the supervisor, after its answers: waited for.
        #expect(await ferry.logContains("took over"), "the take-over was not logged")
        #expect(try redis.command(["XPENDING", "frames", "ferry"]).elements?.first == .integer(0))
        #expect(try Self.length(redis, "frames:dead") == 0)
        // The stream ingress's counts on /metrics (through the supervisor, as every process's).
        let labels = #"stream="frames",model="classifier""#
        let answered = "ferry_stream_entries_total{\(labels),outcome=\"answered\"}"
        let page = try await SeedClient.withHTTPClient { http in
            try await ferry.metrics(via: http) { $0[answered] == 100 }
        }
        #expect(page[answered] == 100 && page["ferry_stream_claimed_total{\(labels)}"] == 5 && page["ferry_stream_in_flight{\(labels)}"] == 0,
                "\(page.text)")
        #expect(page.malformed.isEmpty, "\(page.malformed)")
        #expect(try await ferry.stop() == 0)
    }

    /// The stream ingress killed with SIGKILL in the middle of a backlog: the
    /// supervisor restarts it, it finds its own unanswered entries first,
    /// and every entry is answered exactly once; none is left pending.
    /// The backlog is made by holding the backend (its worker stopped) after
    /// the first entries are answered, so the kill finds entries in flight
    /// however fast or slow this machine runs.
    @Test func aKilledStreamIngressLosesNothingAndAnswersNothingTwice() async throws {
        let redis = try RedisServer()
        defer { redis.stop() }
        try await redis.waitUntilUp()
        let total = 300, first = 40, inFlight = 32
        let ferry = try FerryInstance(arguments: ["--strategy", "plugins/sjf.so", "--unit-ms", "0.02", "--redis", redis.address,
                                                  "--stream", "frames", "--stream-in-flight", "\(inFlight)", "--heartbeat-timeout-s", "600"])
        _ = try redis.commands((0..<first).map { ["XADD", "frames", "*", "data", Self.payload($0).text] })
        try await Self.waitForLength(redis, "frames:results", atLeast: first, ferry: ferry)
        let hold = try ferry.holdWorker()
        defer { hold.release() }
        _ = try redis.commands((first..<total).map { ["XADD", "frames", "*", "data", Self.payload($0).text] })
        try await ferry.waitUntil("the stream ingress took a full window") {
            (try? redis.command(["XPENDING", "frames", "ferry"]).elements?.first) == .integer(Int64(inFlight))
        }
        let pid = try #require(ferry.pid(of: "streamer"))
        kill(pid, SIGKILL)
        hold.release()
        try await Self.waitForLength(redis, "frames:results", atLeast: total, ferry: ferry)
        try await ferry.waitUntil("a new stream ingress reported") { ferry.pid(of: "streamer") != pid }
        #expect(await ferry.logContains("of this consumer found again"), "the restarted stream ingress did not recover its own entries")
        let answers = try Self.answers(redis)
        #expect(answers.count == total)
        #expect(answers.values.allSatisfy { $0["status"] == "ok" })
        #expect(try redis.command(["XPENDING", "frames", "ferry"]).elements?.first == .integer(0))
        #expect(try await ferry.stop() == 0)
        #expect(try Self.length(redis, "frames:results") == total)
    }

    /// An entry that crashes the backend fails alone and, after its
    /// deliveries, goes to the dead-letter stream with its error and its
    /// payload; one without a payload goes there at once; the rest are answered.
    @Test func entriesThatKeepFailingGoToTheDeadLetterStream() async throws {
        let redis = try RedisServer()
        defer { redis.stop() }
        try await redis.waitUntilUp()
        let ferry = try FerryInstance(arguments: ["--strategy", "plugins/fifo.so", "--unit-ms", "0.02", "--crash-on", "POISON",
                                                  "--redis", redis.address, "--stream", "frames", "--stream-max-deliveries", "1"])
        _ = try redis.commands((0..<8).map { ["XADD", "frames", "*", "data", Self.payload($0).text] })
        let poison = try redis.command(["XADD", "frames", "*", "data", "POISON pill"]).text ?? "?"
        let empty = try redis.command(["XADD", "frames", "*", "note", "no payload"]).text ?? "?"
        try await Self.waitForLength(redis, "frames:results", atLeast: 8, ferry: ferry)
        try await Self.waitForLength(redis, "frames:dead", atLeast: 2, ferry: ferry)
        let dead = try Self.answers(redis, stream: "frames:dead")
        #expect(dead[poison]?["status"] == "failed" && dead[poison]?["data"] == "POISON pill", "\(String(describing: dead[poison]))")
        #expect(dead[empty]?["status"] == "invalid" && dead[empty]?["error"]?.contains("no \"data\" field") == true && dead[empty]?["note"] == "no payload")
        #expect(try Self.answers(redis).values.allSatisfy { $0["status"] == "ok" })
        #expect(try redis.command(["XPENDING", "frames", "ferry"]).elements?.first == .integer(0))
        #expect(try await ferry.stop() == 0)
    }
}

extension StreamIngressTests {
    /// Redis dies under the stream ingress: HTTP serves on, the stream
    /// ingress neither crashes nor stops Ferry, and once a Redis is back on
    /// the same address (empty: no persistence) it serves the new entries.
    @Test func aRedisThatDiesAndComesBackIsReadAgain() async throws {
        let redis = try RedisServer()
        defer { redis.stop() }
        try await redis.waitUntilUp()
        let ferry = try FerryInstance(arguments: ["--strategy", "plugins/sjf.so", "--unit-ms", "0.02", "--redis", redis.address,
                                                  "--stream", "frames"])
        _ = try redis.commands((0..<5).map { ["XADD", "frames", "*", "data", Self.payload($0).text] })
        try await Self.waitForLength(redis, "frames:results", atLeast: 5, ferry: ferry)
        let streamer = ferry.pid(of: "streamer")
        redis.kill()
        try await SeedClient.withHTTPClient { http in
            #expect(await ferry.logContains("left pending in Redis; retrying in"))
            let answer = try await SeedClient.classify("def g(): pass", client: "http", via: http, base: ferry.baseURL)
            #expect(answer.status == 200)
        }
        try redis.start()
        try await redis.waitUntilUp()
        _ = try redis.commands((5..<10).map { ["XADD", "frames", "*", "data", Self.payload($0).text] })
        try await Self.waitForLength(redis, "frames:results", atLeast: 5, ferry: ferry)
        #expect(try Self.answers(redis).values.allSatisfy { $0["status"] == "ok" })
        #expect(ferry.pid(of: "streamer") == streamer, "the stream ingress was restarted; it should have reconnected")
        #expect(try await ferry.stop() == 0)
    }
}

extension StreamIngressTests {
    /// Entries waiting long in Ferry's queue (longer than the claim idle
    /// time) still belong to the live consumer, delivered once: another
    /// consumer's XAUTOCLAIM takes none of them, and each is answered once.
    /// The backend is held (its worker stopped) while they wait, so they are
    /// all still queued however fast or slow this machine runs.
    @Test func aLiveConsumersQueuedEntriesAreNotTakenOver() async throws {
        let redis = try RedisServer()
        defer { redis.stop() }
        try await redis.waitUntilUp()
        let claimIdleMs = 4000
        let ferry = try FerryInstance(arguments: ["--strategy", "plugins/sjf.so", "--unit-ms", "0.02", "--redis", redis.address,
                                                  "--stream", "frames", "--stream-claim-idle-ms", "\(claimIdleMs)",
                                                  "--heartbeat-timeout-s", "600"])
        try await SeedClient.withHTTPClient { try await ferry.waitUntilReady(client: $0) }
        let hold = try ferry.holdWorker()
        defer { hold.release() }
        let total = 25
        _ = try redis.commands((0..<total).map { ["XADD", "frames", "*", "data", Self.payload($0).text] })
        func pending() throws -> [[RedisReply]] {
            (try redis.command(["XPENDING", "frames", "ferry", "-", "+", "100"]).elements ?? []).compactMap(\.elements)
        }
        func expectAllPendingDeliveredOnce() throws {
            let rows = try pending()
            #expect(rows.count == total && rows.allSatisfy { $0.last == .integer(1) }, "\(rows)")
        }
        try await ferry.waitUntil("Ferry's stream ingress read every entry") { (try? pending().count) == total }
        // Watched for two claim idle times (Ferry's own claim read comes every
        // half of one): Ferry keeps resetting its entries' idle time without
        // delivering them again, to another consumer or to itself.
        let watchedUntil = ContinuousClock.now + .milliseconds(claimIdleMs * 2)
        while ContinuousClock.now < watchedUntil {
            try expectAllPendingDeliveredOnce()
            try await Task.sleep(for: .milliseconds(250))
        }
        let taken = try redis.command(["XAUTOCLAIM", "frames", "ferry", "thief", "\(claimIdleMs)", "0-0", "COUNT", "100", "JUSTID"])
        #expect(taken.elements?.count ?? 0 >= 2 && taken.elements?[1] == .array([]), "another consumer took over: \(taken)")
        try expectAllPendingDeliveredOnce()
        #expect(try Self.length(redis, "frames:results") == 0, "answered while the backend was held")
        hold.release()
        try await Self.waitForLength(redis, "frames:results", atLeast: total, ferry: ferry)
        let answers = try Self.answers(redis)
        #expect(answers.count == total && answers.values.allSatisfy { $0["status"] == "ok" })
        #expect(try redis.command(["XPENDING", "frames", "ferry"]).elements?.first == .integer(0))
        #expect(try await ferry.stop() == 0)
    }
}

/// The entry ids of an XREADGROUP reply.
enum StreamEntryIDs {
    static func of(_ reply: RedisReply) -> [String] {
        (reply.elements?.first?.elements?.last?.elements ?? []).compactMap { $0.elements?.first?.text }
    }
}
