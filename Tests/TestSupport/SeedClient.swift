import AsyncHTTPClient
@_exported import struct BenchKit.SplitMix64
import Foundation
import NIOCore

/// The seed's clients, as HTTP requests against `/proxy_classify`.
public enum SeedClient {
    /// An HTTP client with a pool large enough for a whole burst at once, as
    /// the seed's aiohttp clients have.
    public static func makeHTTPClient() -> HTTPClient {
        var config = HTTPClient.Configuration()
        config.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 256
        config.timeout.connect = .seconds(10)
        config.timeout.read = .seconds(160)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
    }

    /// Runs `body` with a fresh client and shuts it down afterwards, also on error.
    public static func withHTTPClient<T>(_ body: (HTTPClient) async throws -> T) async throws -> T {
        let http = makeHTTPClient()
        do {
            let value = try await body(http)
            try await http.shutdown()
            return value
        } catch {
            try? await http.shutdown()
            throw error
        }
    }

    /// The answer to one classify call.
    public struct Answer: Sendable {
        public let text: String
        public let client: String
        public let status: UInt
        public let body: String
    }

    /// Sends one classify request.
    public static func classify(_ text: String, client: String, via http: HTTPClient, base: String,
                                headers extra: [(String, String)] = []) async throws -> Answer {
        var request = HTTPClientRequest(url: "\(base)/proxy_classify")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "X-Client-Id", value: client)
        for (k, v) in extra { request.headers.add(name: k, value: v) }
        let payload = try JSONSerialization.data(withJSONObject: ["sequence": text])
        request.body = .bytes(ByteBuffer(bytes: payload))
        let response = try await http.execute(request, timeout: .seconds(160))
        let body = try await response.body.collect(upTo: 1 << 20)
        return Answer(text: text, client: client, status: response.status.code, body: String(buffer: body))
    }

    /// Posts a raw body (for bad-input tests).
    public static func post(raw: String, contentType: String = "application/json", via http: HTTPClient, base: String) async throws -> (UInt, String) {
        var request = HTTPClientRequest(url: "\(base)/proxy_classify")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: contentType)
        request.body = .bytes(ByteBuffer(string: raw))
        let response = try await http.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (response.status.code, String(buffer: body))
    }

    /// Sends every text at once (a burst) and returns all answers.
    public static func burst(_ texts: [String], client: String, via http: HTTPClient, base: String) async throws -> [Answer] {
        try await withThrowingTaskGroup(of: Answer.self) { group in
            for text in texts {
                group.addTask { try await classify(text, client: client, via: http, base: base) }
            }
            var answers: [Answer] = []
            for try await a in group { answers.append(a) }
            return answers
        }
    }

    /// The label the simulated backend must give (an independent restatement
    /// of the rule, so a regression in the worker is caught).
    public static func expectedLabel(_ text: String) -> String {
        for marker in [";", "{", "}", "def ", "class "] where text.contains(marker) { return "code" }
        return "not code"
    }

    /// Client A's burst: 100 strings of "a" × 5…12; client B's: 12 of "b" × 10…25.
    public static func seedTexts(seed: UInt64) -> (a: [String], b: [String]) {
        var rng = SplitMix64(seed: seed)
        let a = (0..<100).map { _ in String(repeating: "a", count: Int.random(in: 5...12, using: &rng)) }
        let b = (0..<12).map { _ in String(repeating: "b", count: Int.random(in: 10...25, using: &rng)) }
        return (a, b)
    }
}
