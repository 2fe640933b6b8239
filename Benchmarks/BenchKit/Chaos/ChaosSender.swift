import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// One open-loop HTTP sender: `send` returns only when the request's
/// outcome is recorded, and callers start it at the scheduled time without
/// waiting for earlier ones.
struct ChaosSender: Sendable {
    let http: HTTPClient
    let base: String
    let timeout: TimeAmount
    let ledger: ChaosLedger
    let clock: SoakClock

    func send(_ request: ChaosTraffic.Request) async {
        await ledger.sent(request, atNs: clock.nowNs())
        var r = HTTPClientRequest(url: "\(base)/proxy_classify")
        r.method = .POST
        r.headers.add(name: "Content-Type", value: "application/json")
        r.headers.add(name: "X-Client-Id", value: request.client)
        let payload = (try? JSONSerialization.data(withJSONObject: ["sequence": request.text])) ?? Data()
        r.body = .bytes(ByteBuffer(bytes: payload))
        do {
            let response = try await http.execute(r, timeout: timeout)
            let body = try await response.body.collect(upTo: 1 << 20)
            await ledger.finished(request.number, atNs: clock.nowNs(), status: response.status.code, body: String(buffer: body),
                                  error: nil, description: nil)
        } catch {
            await ledger.finished(request.number, atNs: clock.nowNs(), status: nil, body: nil,
                                  error: Self.classify(error), description: String(describing: error))
        }
    }

    /// Sorts AsyncHTTPClient's and NIO's errors into the report's kinds.
    static func classify(_ error: Error) -> RequestRecord.TransportError {
        if let e = error as? HTTPClientError {
            if [.deadlineExceeded, .readTimeout, .writeTimeout].contains(e) { return .timeout }
            if [.connectTimeout, .getConnectionFromPoolTimeout].contains(e) { return .refused }
            if [.remoteConnectionClosed, .cancelled].contains(e) { return .reset }
            if e == .bodyLengthMismatch { return .protocolError }
        }
        if error is HTTPParserError { return .protocolError }
        if error is NIOConnectionError { return .refused }
        if let io = error as? IOError {
            switch io.errnoCode {
            case ECONNREFUSED, ENOENT: return .refused
            case ECONNRESET, EPIPE, ECONNABORTED: return .reset
            default: break
            }
        }
        if error is ChannelError { return .reset }
        let text = String(describing: error).lowercased()
        if text.contains("refused") { return .refused }
        if text.contains("reset") || text.contains("closed") || text.contains("broken pipe") || text.contains("eof") { return .reset }
        if text.contains("timeout") || text.contains("deadline") { return .timeout }
        if text.contains("pars") || text.contains("unexpected") || text.contains("invalid") { return .protocolError }
        return .other
    }
}
