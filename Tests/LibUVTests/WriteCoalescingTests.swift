import Foundation
import LibUV
import Testing

/// A stream hands everything written during one loop iteration to libuv in
/// one write, in order, and nothing written before a close is dropped.
@Suite struct WriteCoalescingTests {
    /// What one exchange over a Unix socket gave: the bytes the other side
    /// read, the writing side, and the handles left open on the loop after.
    struct Exchange {
        var received: [UInt8]
        var client: UVPipe
        var leftOpen: [String]
    }

    /// Connects a client to a server of its own, polls each millisecond until
    /// the server side has accepted, then starts reading there, calls
    /// `write` once (in one loop iteration) and closes everything when
    /// `done(received, ended)` holds.
    private func exchange(write: @escaping (UVPipe) -> Void, until done: @escaping ([UInt8], Bool) -> Bool) throws -> Exchange {
        let loop = try UVLoop()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-uv-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = try UVPipeServer(loop: loop)
        try server.bind(path: dir.appendingPathComponent("s").path)
        var accepted: UVPipe?
        try server.listen { result in if case let .success(pipe) = result { accepted = pipe } }
        let client = try UVPipe(loop: loop)
        client.connect(path: server.path) { error in #expect(error == nil) }
        var received: [UInt8] = []
        var ended = false
        var wrote = false
        let timer = try UVTimer(loop: loop)
        timer.start(afterMilliseconds: 1, repeat: 1) {
            guard let peer = accepted else { return }
            if !wrote {
                wrote = true
                try? peer.startReading(onData: { received.append(contentsOf: $0) }, onEnd: { _ in ended = true })
                write(client)
            }
            if done(received, ended) {
                timer.close()
                peer.close()
                client.close()
                server.close()
            }
        }
        loop.run()
        return Exchange(received: received, client: client, leftOpen: loop.close())
    }

    @Test func oneIterationsWritesGoOutAsOneWriteInOrder() throws {
        let result = try exchange(write: { client in
            client.write(Array("one,".utf8))
            client.write(Array("two,".utf8))
            client.write(Array("three".utf8))
        }, until: { received, _ in received.count == 13 })
        #expect(String(decoding: result.received, as: UTF8.self) == "one,two,three")
        #expect(result.client.writesIssued == 1)
        #expect(result.leftOpen.isEmpty)
    }

    @Test func whatWasWrittenBeforeACloseIsSent() throws {
        let result = try exchange(write: { client in
            client.write(Array("last words".utf8))
            client.close()  // in the same iteration as the write
        }, until: { _, ended in ended })
        #expect(String(decoding: result.received, as: UTF8.self) == "last words")
        #expect(result.leftOpen.isEmpty)
    }
}
