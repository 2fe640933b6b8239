import Foundation
import LibUV
import Testing

/// A stream hands everything written during one loop iteration to libuv in
/// one write, in order, and nothing written before a close is dropped.
@Suite struct WriteCoalescingTests {
    /// A connected pair over a Unix socket in a fresh directory: (server side, client side).
    private func connectedPair(on loop: UVLoop) throws -> (server: UVPipeServer, accepted: () -> UVPipe?, client: UVPipe, path: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-uv-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("s").path
        let server = try UVPipeServer(loop: loop)
        try server.bind(path: path)
        var accepted: UVPipe?
        try server.listen { result in if case let .success(pipe) = result { accepted = pipe } }
        let client = try UVPipe(loop: loop)
        client.connect(path: path) { error in #expect(error == nil) }
        return (server, { accepted }, client, path)
    }

    @Test func oneIterationsWritesGoOutAsOneWriteInOrder() throws {
        let loop = try UVLoop()
        let (server, accepted, client, _) = try connectedPair(on: loop)
        var received: [UInt8] = []
        let timer = try UVTimer(loop: loop)
        var wrote = false
        // Poll each millisecond: once connected, write three chunks in one callback.
        timer.start(afterMilliseconds: 1, repeat: 1) {
            guard let peer = accepted() else { return }
            if !wrote {
                wrote = true
                try? peer.startReading(onData: { received.append(contentsOf: $0) }, onEnd: { _ in })
                client.write(Array("one,".utf8))
                client.write(Array("two,".utf8))
                client.write(Array("three".utf8))
            }
            if received.count == 13 {
                timer.close()
                peer.close()
                client.close()
                server.close()
            }
        }
        loop.run()
        #expect(String(decoding: received, as: UTF8.self) == "one,two,three")
        #expect(client.writesIssued == 1)
        #expect(loop.close().isEmpty)
    }

    @Test func whatWasWrittenBeforeACloseIsSent() throws {
        let loop = try UVLoop()
        let (server, accepted, client, _) = try connectedPair(on: loop)
        var received: [UInt8] = []
        var ended = false
        let timer = try UVTimer(loop: loop)
        var wrote = false
        timer.start(afterMilliseconds: 1, repeat: 1) {
            guard let peer = accepted() else { return }
            if !wrote {
                wrote = true
                try? peer.startReading(onData: { received.append(contentsOf: $0) }, onEnd: { _ in ended = true })
                client.write(Array("last words".utf8))
                client.close()  // in the same iteration as the write
            }
            if ended {
                timer.close()
                peer.close()
                server.close()
            }
        }
        loop.run()
        #expect(String(decoding: received, as: UTF8.self) == "last words")
        #expect(loop.close().isEmpty)
    }
}
