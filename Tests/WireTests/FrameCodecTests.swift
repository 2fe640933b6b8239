import Testing
@testable import Wire

@Suite struct FrameCodecTests {
    static let samples: [Message] = [
        .hello(version: Message.protocolVersion, role: "scheduler"),
        .ready,
        .capacity(model: "classifier", batchLimit: 5, slots: 1),
        .capacity(model: "embedder", batchLimit: 64, slots: 2),
        .submit(Submit(id: 43, model: "embedder", client: "B", cost: 3, payload: Array("é".utf8))),
        .batch(Batch(batchID: (1 << 40) + 1, model: "embedder", items: [.init(id: (1 << 40) + 7, payload: [1])])),
        .status(SchedulerStatus(model: "embedder", queued: 1, inFlight: 0, highWater: 9, maxQueued: 50, drainPerS: 0, strategy: "fifo", degraded: "x")),
        .submit(Submit(id: 42, client: "client-A", priority: -3, cost: 12, timeoutMs: 1500, payload: Array("aaaaa".utf8))),
        .submit(Submit(id: .max, client: "", cost: 0, payload: [])),
        .result(RequestResult(id: 7, status: .ok, body: Array("not code".utf8))),
        .result(RequestResult(id: 8, status: .expired, body: [])),
        .batch(Batch(batchID: 3, items: [.init(id: 1, payload: Array("x".utf8)), .init(id: 2, payload: [0, 255, 10])])),
        .batch(Batch(batchID: 4, items: [])),
        .batchResult(BatchResult(batchID: 3, serviceNs: 1_000_000, outcomes: [.init(status: .ok, body: Array("code".utf8)), .init(status: .failed, body: Array("boom".utf8))])),
        .cancel(id: 99),
        .drain,
        .result(RequestResult(id: 9, status: .rejected, retryAfterMs: 1500, body: Array("queue full".utf8))),
        .ping(sequence: 3),
        .pong(sequence: 3),
        .childExited(role: "worker", crashed: true, detail: "was killed by signal 11"),
        .challenge(nonce: Array(repeating: 7, count: 32)),
        .proof(mac: [1, 2, 3]),
        .metrics(source: "worker", text: Array("# TYPE ferry_worker_calls_total counter\nferry_worker_calls_total 3\n".utf8)),
        .status(SchedulerStatus(queued: 4, inFlight: 1, highWater: 200, maxQueued: 200, drainPerS: 55, strategy: "sjf", degraded: "")),
    ]

    @Test func everyMessageRoundTrips() throws {
        for message in Self.samples {
            var decoder = FrameDecoder()
            decoder.append(FrameEncoder.encode(message))
            #expect(try decoder.next() == message)
            #expect(try decoder.next() == nil)
            #expect(decoder.bufferedByteCount == 0)
        }
    }

    @Test func everyStatusRoundTrips() throws {
        for status in Status.allCases {
            let m = Message.result(RequestResult(id: 1, status: status, body: []))
            var decoder = FrameDecoder()
            decoder.append(FrameEncoder.encode(m))
            #expect(try decoder.next() == m)
        }
    }

    @Test func framesSplitAcrossReadsAndSeveralInOneRead() throws {
        var stream: [UInt8] = []
        for m in Self.samples { FrameEncoder.encode(m, into: &stream) }
        // One byte at a time.
        var decoder = FrameDecoder()
        var decoded: [Message] = []
        for byte in stream {
            decoder.append([byte])
            while let m = try decoder.next() { decoded.append(m) }
        }
        #expect(decoded == Self.samples)
        // Everything in one read.
        var whole = FrameDecoder()
        whole.append(stream)
        var all: [Message] = []
        while let m = try whole.next() { all.append(m) }
        #expect(all == Self.samples)
        // Uneven chunks of 7 bytes.
        var chunked = FrameDecoder()
        var got: [Message] = []
        var i = 0
        while i < stream.count {
            chunked.append(stream[i..<min(i + 7, stream.count)])
            while let m = try chunked.next() { got.append(m) }
            i += 7
        }
        #expect(got == Self.samples)
    }

    @Test func lengthOverTheLimitIsRefusedBeforeBuffering() {
        var decoder = FrameDecoder(maximumFrameSize: 1024)
        decoder.append([0x7F, 0xFF, 0xFF, 0xFF, 4])
        #expect(throws: WireError.frameTooLarge(length: 0x7FFF_FFFF, limit: 1024)) { try decoder.next() }
    }

    @Test func garbageIsAnError() {
        var decoder = FrameDecoder()
        decoder.append([0, 0, 0, 3, 0xEE, 1, 2])
        #expect(throws: WireError.unknownType(0xEE)) { try decoder.next() }

        var empty = FrameDecoder()
        empty.append([0, 0, 0, 0])
        #expect(throws: WireError.emptyFrame) { try empty.next() }
    }

    @Test func truncatedFieldsAreAnError() throws {
        // A submit frame whose length covers only part of its fields.
        let full = FrameEncoder.encode(.submit(Submit(id: 1, client: "c", cost: 1, payload: [1, 2, 3])))
        var body = Array(full[4...])
        body.removeLast(2)
        var frame: [UInt8] = [0, 0, 0, UInt8(body.count)]
        frame += body
        var decoder = FrameDecoder()
        decoder.append(frame)
        #expect(throws: WireError.self) { try decoder.next() }
    }

    @Test func streamEndingInsideAFrameIsAnError() throws {
        let frame = FrameEncoder.encode(.cancel(id: 5))
        var decoder = FrameDecoder()
        decoder.append(frame.dropLast(3))
        #expect(try decoder.next() == nil)
        #expect(throws: WireError.endOfStreamInFrame(buffered: frame.count - 3)) { try decoder.finish() }
    }

    @Test func hostileCountDoesNotAllocate() {
        // batch with count = 4 billion but no items: refused by the count check.
        var body: [UInt8] = [6]
        body += [0, 0, 0, 0, 0, 0, 0, 1]   // batch id
        body += [0xFF, 0xFF, 0xFF, 0xFF]    // count
        var frame: [UInt8] = [0, 0, 0, UInt8(body.count)]
        frame += body
        var decoder = FrameDecoder()
        decoder.append(frame)
        #expect(throws: WireError.self) { try decoder.next() }
    }

    @Test func trailingBytesAndBadStatusAreErrors() {
        var frame = FrameEncoder.encode(.drain)
        frame[3] = 2
        frame.append(9)
        var decoder = FrameDecoder()
        decoder.append(frame)
        #expect(throws: WireError.trailingBytes(type: 9, count: 1)) { try decoder.next() }

        var result = FrameEncoder.encode(.result(RequestResult(id: 1, status: .ok, body: [])))  // status byte after type and id
        result[4 + 1 + 8] = 77
        var d2 = FrameDecoder()
        d2.append(result)
        #expect(throws: WireError.unknownStatus(77)) { try d2.next() }
    }

    @Test(arguments: [[0xC3, 0x28] as [UInt8],
                      // A cut 4-byte sequence: repaired, it becomes one U+FFFD of the same length (3 bytes).
                      [0xF0, 0x9F, 0x98],
                      [0x61, 0xED, 0xA0, 0x80]])  // an encoded surrogate
    func invalidUTF8InAStringIsAnError(role: [UInt8]) {
        let body: [UInt8] = [1, 0, 1, 0, UInt8(role.count)] + role  // hello, version 1, a role of invalid bytes
        var decoder = FrameDecoder()
        decoder.append([0, 0, 0, UInt8(body.count)] + body)
        #expect(throws: WireError.invalidUTF8(type: 1)) { try decoder.next() }
    }

    @Test func randomGarbageNeverCrashes() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            var decoder = FrameDecoder(maximumFrameSize: 4096)
            let n = Int.random(in: 0..<64, using: &rng)
            decoder.append((0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) })
            for _ in 0..<8 { _ = try? decoder.next() }
        }
    }
}
