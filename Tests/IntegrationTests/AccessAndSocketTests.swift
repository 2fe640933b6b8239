import AsyncHTTPClient
import Foundation
import NIOCore
import Testing
import TestSupport

/// API keys, rate limits, slow clients and garbage on the internal sockets.
@Suite(.serialized) struct AccessAndSocketTests {
    @Test func apiKeysNameTheClientAndAreRequired() async throws {
        let keys = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-keys-\(UUID().uuidString)")
        try "# key client\nsecret-a A\nsecret-b B\n".write(to: keys, atomically: true, encoding: .utf8)
        let ferry = try FerryInstance(arguments: ["--strategy", "plugins/sjf.so", "--unit-ms", "0.05", "--api-keys-file", keys.path])
        try await SeedClient.withHTTPClient { http in
            try await ferry.waitUntilReady(client: http)
            let none = try await SeedClient.classify("hello", client: "A", via: http, base: ferry.baseURL)
            #expect(none.status == 401 && none.body.contains("API key is required"))
            let wrong = try await SeedClient.classify("hello", client: "A", via: http, base: ferry.baseURL, headers: [("X-Api-Key", "guess")])
            #expect(wrong.status == 401 && wrong.body.contains("unknown API key"))
            let bearer = try await SeedClient.classify("hello", client: "B", via: http, base: ferry.baseURL, headers: [("Authorization", "Bearer secret-a")])
            #expect(bearer.status == 200)
            let header = try await SeedClient.classify("x = 1;", client: "A", via: http, base: ferry.baseURL, headers: [("X-Api-Key", "secret-b")])
            #expect(header.status == 200 && header.body == "{\"result\":\"code\"}")
            #expect(try await ferry.stop() == 0)
        }
        let bad = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-keys-\(UUID().uuidString)")
        try "only-one-word\n".write(to: bad, atomically: true, encoding: .utf8)
        let refused = try FerryInstance(arguments: ["--strategy", "plugins/sjf.so", "--api-keys-file", bad.path])
        #expect(try await refused.waitForExit() == 1)
        #expect(refused.log.contains("\(bad.path):1: expected 'KEY CLIENT'"))
    }

    @Test func aClientOverItsRateGets429WithRetryAfter() async throws {
        // One request a second (a burst of one): ten at once cannot all pass
        // unless the machine takes nine seconds to deliver them.
        let ferry = try FerryInstance(arguments: ["--strategy", "plugins/sjf.so", "--unit-ms", "0.01", "--client-rate", "1"])
        try await SeedClient.withHTTPClient { http in
            try await ferry.waitUntilReady(client: http)
            let statuses = try await SeedClient.burst((0..<10).map { "t\($0)" }, client: "greedy", via: http, base: ferry.baseURL).map(\.status)
            #expect(statuses.contains(429), "\(statuses)")
            #expect(statuses.contains(200), "\(statuses)")
            // Another client is not affected by the greedy one.
            #expect(try await SeedClient.classify("mine", client: "polite", via: http, base: ferry.baseURL).status == 200)
            #expect(try await ferry.stop() == 0)
        }
    }

    @Test func aStalledClientIsDisconnectedAndOthersAreServed() async throws {
        let ferry = try FerryInstance(arguments: ["--strategy", "plugins/sjf.so", "--unit-ms", "0.01", "--idle-timeout-s", "1"])
        try await SeedClient.withHTTPClient { http in
            try await ferry.waitUntilReady(client: http)
            // Half a request, then silence.
            let fd = try #require(Self.connectTCP(port: ferry.port))
            defer { close(fd) }
            let partial = "POST /proxy_classify HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"seq"
            _ = partial.withCString { send(fd, $0, strlen($0), 0) }
            // With a 1 s idle timeout the server may close the client's pooled
            // connection just as it is reused (AsyncHTTPClient does not retry a
            // POST; it says remoteConnectionClosed or ioOnClosedChannel): that
            // one race is tried again on a fresh connection.
            var meanwhile: Int?
            for _ in 0..<3 where meanwhile == nil {
                do {
                    meanwhile = Int(try await SeedClient.classify("meanwhile", client: "A", via: http, base: ferry.baseURL).status)
                } catch let error as HTTPClientError where error == .remoteConnectionClosed {
                    continue
                } catch ChannelError.ioOnClosedChannel {
                    continue
                }
            }
            #expect(meanwhile == 200)
            // The server closes the stalled connection (read returns 0) within a bounded wait.
            var tv = timeval(tv_sec: 20, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            var buffer = [UInt8](repeating: 0, count: 4096)
            var closed = false
            for _ in 0..<10 {
                let n = recv(fd, &buffer, buffer.count, 0)
                if n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR) { closed = true; break }
                if n < 0 { break }
            }
            #expect(closed, "the stalled connection was not closed")
            #expect(try await ferry.stop() == 0)
        }
    }

    @Test func aPipelinedConnectionIsAnsweredInOrderAcrossRoutes() async throws {
        // The hot routes (the seed's, the protocol's infer) are served in the
        // connection's pipeline, the others by the router: requests sent in one write, alternating between them,
        // must come back in order, and "Connection: close" must be honoured.
        let ferry = try FerryInstance(arguments: ["--strategy", "plugins/sjf.so", "--unit-ms", "0.01"])
        try await SeedClient.withHTTPClient { http in
            try await ferry.waitUntilReady(client: http)
            let fd = try #require(Self.connectTCP(port: ferry.port))
            defer { close(fd) }
            func post(body: String, path: String = "/proxy_classify", extra: String = "") -> String {
                "POST \(path) HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\(extra)Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
            }
            func post(_ text: String, path: String = "/proxy_classify", extra: String = "") -> String {
                post(body: "{\"sequence\":\"\(text)\"}", path: path, extra: extra)
            }
            let healthz = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
            let infer = post(body: #"{"inputs":[{"name":"TEXT","shape":[1],"datatype":"BYTES","data":["import os"]}]}"#, path: "/v2/models/classifier/infer")
            let requests = post("def f(): return 1", path: "/proxy_classify?trace=1") + healthz + infer + post("the weather is fine today")
                + post(body: "{\"nope\":1}") + post("x = 1;", extra: "Connection: close\r\n") + healthz
            _ = requests.withCString { send(fd, $0, strlen($0), 0) }
            // Read until the server closes (after the sixth answer; the seventh request is never read).
            // Blocking reads, off the test process's few concurrency threads (other suites run on them).
            let received = await withCheckedContinuation { (done: CheckedContinuation<[UInt8], Never>) in
                DispatchQueue.global().async {
                    var tv = timeval(tv_sec: 30, tv_usec: 0)
                    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
                    var received: [UInt8] = []
                    var buffer = [UInt8](repeating: 0, count: 65536)
                    while true {
                        let n = recv(fd, &buffer, buffer.count, 0)
                        if n <= 0 { break }
                        received += buffer[..<n]
                    }
                    done.resume(returning: received)
                }
            }
            let text = String(decoding: received, as: UTF8.self)
            let bodies = ["{\"result\":\"code\"}", "{\"status\":\"ok\"}", "\"data\":[\"\(SeedClient.expectedLabel("import os"))\"]", "{\"result\":\"\(SeedClient.expectedLabel("the weather is fine today"))\"}",
                          "missing field 'sequence'", "{\"result\":\"code\"}"]
            var from = text.startIndex
            for body in bodies {
                let found = text.range(of: body, range: from..<text.endIndex)
                #expect(found != nil, "'\(body)' is not next in what came back: \(text)")
                if let found { from = found.upperBound }
            }
            #expect(text.components(separatedBy: "HTTP/1.1 ").count - 1 == 6, "\(text)")
            #expect(text.lowercased().contains("connection: close"), "\(text)")
            #expect(text.contains("HTTP/1.1 400"), "\(text)")
            #expect(try await ferry.stop() == 0)
        }
    }

    /// A TCP connection to 127.0.0.1:`port`, or nil.
    static func connectTCP(port: Int) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard connected == 0 else {
            close(fd)
            return nil
        }
        return fd
    }

    @Test func garbageOnTheSchedulerSocketClosesOnlyThatConnection() async throws {
        let ferry = try FerryInstance(arguments: ["--strategy", "plugins/sjf.so", "--unit-ms", "0.01"])
        try await SeedClient.withHTTPClient { http in
            try await ferry.waitUntilReady(client: http)
            let runtime = try #require(try FileManager.default.contentsOfDirectory(atPath: ferry.runtimeParent.path).first)
            let socketPath = ferry.runtimeParent.appendingPathComponent(runtime).appendingPathComponent("scheduler.sock").path
            let attrs = try FileManager.default.attributesOfItem(atPath: socketPath)
            #expect((attrs[.posixPermissions] as? Int) == 0o600)
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var addr = sockaddr_un()
            addr.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &addr.sun_path) { raw in
                for (i, b) in socketPath.utf8.enumerated() where i < raw.count - 1 { raw[i] = b }
            }
            let ok = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
            #expect(ok == 0)
            let garbage: [UInt8] = [0x7F, 0xFF, 0xFF, 0xFF, 0x04, 0x01, 0x02]
            _ = garbage.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
            var tv = timeval(tv_sec: 20, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            var buffer = [UInt8](repeating: 0, count: 64)
            #expect(recv(fd, &buffer, buffer.count, 0) == 0, "the scheduler kept a connection that sent garbage")
            #expect(try await SeedClient.classify("still fine", client: "A", via: http, base: ferry.baseURL).status == 200)
            #expect(await ferry.logContains("protocol error: frame of 2147483647 bytes exceeds the limit"), "\(ferry.log)")
            #expect(try await ferry.stop() == 0)
        }
    }
}
