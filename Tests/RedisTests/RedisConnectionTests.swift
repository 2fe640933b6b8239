import LibUV
import Redis
import Testing
import TestSupport

@Suite struct RedisConnectionTests {
    @Test func addressesParse() {
        #expect(RedisAddress("127.0.0.1:6379") == .tcp(host: "127.0.0.1", port: 6379))
        #expect(RedisAddress("redis://localhost:7000") == .tcp(host: "localhost", port: 7000))
        #expect(RedisAddress("[::1]:6379") == .tcp(host: "::1", port: 6379))
        #expect(RedisAddress("/run/redis.sock") == .unix(path: "/run/redis.sock"))
        #expect(RedisAddress("unix:///run/redis.sock") == .unix(path: "/run/redis.sock"))
        #expect(RedisAddress("localhost") == nil)
        #expect(RedisAddress(":6379") == nil)
        #expect(RedisAddress("h:70000") == nil)
    }

    /// Binary-safe arguments and replies of every kind, in order, over a
    /// real server; the connection closes cleanly with nothing left on the loop.
    @Test func commandsOnARealServer() async throws {
        let server = try RedisServer()
        defer { server.stop() }
        try await server.waitUntilUp()
        let loop = try UVLoop()
        var replies: [RedisReply] = []
        var closes: [RedisError?] = []
        var connected = false
        let connection = try RedisConnection(loop: loop, address: .unix(path: server.socketPath),
                                             onConnect: { connected = true }, onClose: { closes.append($0) })
        let binary: [UInt8] = [0, 255, 13, 10, 36, 42]
        connection.command([Array("SET".utf8), Array("k".utf8), binary]) { replies.append($0) }
        connection.command(["GET", "k"]) { replies.append($0) }
        connection.command(["INCRBY", "n", "41"]) { replies.append($0) }
        connection.command(["GET", "missing"]) { replies.append($0) }
        connection.command(["XADD", "s", "*", "data", "x"]) { replies.append($0) }
        connection.command(["XRANGE", "s", "-", "+"]) { replies.append($0) }
        connection.command(["NOSUCHCOMMAND"]) { r in
            replies.append(r)
            connection.close()
        }
        loop.run()
        #expect(loop.close().isEmpty)
        #expect(connected)
        #expect(closes.count == 1 && closes[0] == nil)
        #expect(replies.count == 7)
        #expect(replies[0] == .status("OK"))
        #expect(replies[1] == .string(binary))
        #expect(replies[2] == .integer(41))
        #expect(replies[3] == .null)
        let entry = replies[5].elements?.first?.elements
        #expect(entry?.first == replies[4])
        #expect(entry?.last == .array([.string(Array("data".utf8)), .string(Array("x".utf8))]))
        #expect(replies[6].errorMessage?.contains("unknown command") == true)
    }

    /// A server that is not there: the connection reports it once, naming
    /// the address; a command sent meanwhile is answered with an error.
    @Test func refusedConnectionIsReported() throws {
        let loop = try UVLoop()
        var closed: [RedisError?] = []
        var reply: RedisReply?
        do {
            let connection = try RedisConnection(loop: loop, address: .unix(path: "/nonexistent/ferry-redis.sock")) { closed.append($0) }
            connection.command(["PING"]) { reply = $0 }
            loop.run()
        } catch {
            // hiredis may refuse a Unix path at once: the error names it.
            #expect(error.description.contains("/nonexistent/ferry-redis.sock"))
            loop.close()
            return
        }
        #expect(loop.close().isEmpty)
        #expect(closed.count == 1)
        #expect(closed.first??.description.contains("/nonexistent/ferry-redis.sock") == true)
        #expect(reply?.errorMessage != nil)
    }
}
