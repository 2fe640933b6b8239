import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// The HTTP client the HTTP faces share, and one POST with its failures
/// sorted the backend's way.
public enum UpstreamHTTP {
    /// Largest answer read from a model server.
    static let maxAnswerBytes = 64 << 20

    /// On the worker's upstream loop (`UpstreamLoop`). Pooled, kept-alive
    /// connections retired after `idleTimeoutMs` (before uvicorn closes them
    /// at 5 s); a refused connect reported at once, so a retry can pick
    /// another upstream rather than wait on a dead one.
    public static func makeClient(_ c: UpstreamBackend.Configuration) -> HTTPClient {
        var http = HTTPClient.Configuration()
        http.connectionPool.idleTimeout = .milliseconds(c.idleTimeoutMs)
        http.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = max(8, c.concurrency * (1 + c.pipeline) * 2)
        http.timeout.connect = .milliseconds(min(c.timeoutMs, 5_000))
        http.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .shared(UpstreamLoop.group), configuration: http)
    }

    static func post(client: HTTPClient, url: String, body: [UInt8], headers: [(String, String)], upstream: String,
                     timeoutMs: Int64) async -> Result<(status: UInt, headers: HTTPHeaders, body: ByteBuffer), UpstreamCallError> {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (k, v) in headers { request.headers.add(name: k, value: v) }
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await client.execute(request, timeout: .milliseconds(timeoutMs))
            let body = try await response.body.collect(upTo: maxAnswerBytes)
            return .success((response.status.code, response.headers, body))
        } catch is NIOTooManyBytesError {
            // The same call would answer the same again: no retry.
            return .failure(.final("upstream \(upstream) answered more than \(maxAnswerBytes >> 20) MiB"))
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            return .failure(.retryable("upstream \(upstream) did not answer within \(timeoutMs) ms"))
        } catch where UpstreamCallError.isRefused(error) {
            return .failure(.unreachable("upstream \(upstream) refused the connection"))
        } catch {
            return .failure(.retryable("upstream \(upstream): \(error)"))
        }
    }
}
