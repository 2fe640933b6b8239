import AsyncHTTPClient
import Foundation
import NIOCore

/// The seed's contract: `POST /classify` with `{"sequences": [...]}` →
/// `{"results": [...]}`, one label per text.
public struct SeedClassifyUpstream: UpstreamProtocol {
    public let name = "http"
    let client: HTTPClient

    public init(client: HTTPClient) { self.client = client }

    public func shutdown() { try? client.syncShutdown() }  // the worker's loop is not one of AsyncHTTPClient's threads

    private struct Request: Encodable { let sequences: [String] }
    private struct Reply: Decodable { let results: [String] }

    public func call(url: String, payloads: [[UInt8]], timeoutMs: Int64) async -> Result<[[UInt8]], UpstreamCallError> {
        let texts = payloads.map { String(decoding: $0, as: UTF8.self) }
        let body: [UInt8]
        do { body = Array(try JSONEncoder().encode(Request(sequences: texts))) } catch {
            return .failure(.final("cannot encode the batch: \(error)"))
        }
        let reply: (status: UInt, body: ByteBuffer)
        switch await UpstreamHTTP.post(client: client, url: "\(url)/classify", body: body, headers: [("Content-Type", "application/json")],
                                       upstream: url, timeoutMs: timeoutMs) {
        case let .success(r): reply = (r.status, r.body)
        case let .failure(e): return .failure(e)
        }
        let text = String(buffer: reply.body)
        switch reply.status {
        case 200:
            guard let decoded = try? JSONDecoder().decode(Reply.self, from: Data(reply.body.readableBytesView)) else {
                return .failure(.final("upstream \(url) answered 200 with a body that is not {\"results\": [...]}: \(text.prefix(200))"))
            }
            guard decoded.results.count == texts.count else {
                return .failure(.final("upstream \(url) answered \(decoded.results.count) results for \(texts.count) texts"))
            }
            return .success(decoded.results.map { Array($0.utf8) })
        case 500..<600:
            return .failure(.retryable("upstream \(url) answered \(reply.status): \(text.prefix(200))"))
        default:
            return .failure(.final("upstream \(url) answered \(reply.status): \(text.prefix(200))"))
        }
    }
}
