import AsyncHTTPClient
import Foundation
import NIOCore

/// The seed's contract: `POST /proxy_classify` with `{"sequence": text}`,
/// `X-Client-Id` and `X-Timeout-Ms`; `{"result": label}` back.
struct SeedFace: LiveFace {
    let http: HTTPClient
    let base: String

    func classify(_ text: String, client: String, timeoutMs: Int?) async -> LiveAnswer {
        var request = HTTPClientRequest(url: "\(base)/proxy_classify")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "X-Client-Id", value: client)
        if let timeoutMs { request.headers.add(name: "X-Timeout-Ms", value: "\(timeoutMs)") }
        request.body = .bytes(ByteBuffer(bytes: (try? JSONSerialization.data(withJSONObject: ["sequence": text])) ?? Data()))
        do {
            let response = try await http.execute(request, timeout: .seconds(300))
            let body = try await response.body.collect(upTo: 1 << 16)
            let code = Int(response.status.code)
            guard code == 200 else { return LiveAnswer(httpStatus: code) }
            let json = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
            return LiveAnswer(outcome: .ok, status: "200", label: json?["result"] as? String ?? "")
        } catch {
            return LiveAnswer(outcome: .failed, status: "connection error")
        }
    }
}

extension LiveAnswer {
    /// A non-200 HTTP answer: 429 rejected, 504 expired, anything else failed.
    init(httpStatus code: Int) {
        switch code {
        case 429: self.init(outcome: .rejected, status: "429")
        case 504: self.init(outcome: .expired, status: "504")
        default: self.init(outcome: .failed, status: "\(code)")
        }
    }
}
