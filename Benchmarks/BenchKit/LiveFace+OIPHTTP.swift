import AsyncHTTPClient
import Foundation
import NIOCore

/// The Open Inference Protocol over HTTP: `POST /v2/models/{model}/infer`
/// with one row, `{"inputs":[{"name":"TEXT","shape":[1,1],"datatype":"BYTES","data":[text]}]}`
/// (JSON tensors; `[1, 1]`, as a model with a batch dimension wants), the
/// deadline as Triton's `timeout` parameter (µs), the client as
/// `X-Client-Id`; the label is `LABEL`'s only element (an `EMBEDDING` is checked).
struct OIPHTTPFace: LiveFace {
    let http: HTTPClient
    let base: String
    let model: String
    let output: String

    func classify(_ text: String, client: String, timeoutMs: Int?) async -> LiveAnswer {
        var request = HTTPClientRequest(url: "\(base)/v2/models/\(model)/infer")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "X-Client-Id", value: client)
        var body: [String: Any] = [
            "inputs": [["name": "TEXT", "shape": [1, 1], "datatype": "BYTES", "data": [text]]],
            "outputs": [["name": output]],
        ]
        if let timeoutMs { body["parameters"] = ["timeout": timeoutMs * 1000] }
        request.body = .bytes(ByteBuffer(bytes: (try? JSONSerialization.data(withJSONObject: body)) ?? Data()))
        do {
            let response = try await http.execute(request, timeout: .seconds(300))
            let answer = try await response.body.collect(upTo: 1 << 20)
            let code = Int(response.status.code)
            guard code == 200 else { return LiveAnswer(httpStatus: code) }
            return LiveAnswer(outcome: .ok, status: "200", label: Self.label(in: Data(answer.readableBytesView), output: output) ?? "")
        } catch {
            return LiveAnswer(outcome: .failed, status: "connection error")
        }
    }

    /// `LABEL`'s first element in a JSON answer (nil when there is none), or
    /// what `LiveTexts.embeddingLabel` makes of an `EMBEDDING`.
    static func label(in body: Data, output name: String = "LABEL") -> String? {
        guard let json = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
              let outputs = json["outputs"] as? [[String: Any]],
              let output = outputs.first(where: { $0["name"] as? String == name }),
              let data = output["data"] as? [Any] else { return nil }
        if output["datatype"] as? String == "FP32" {
            return LiveTexts.embeddingLabel(data.compactMap { ($0 as? NSNumber)?.floatValue })
        }
        // [N] answers hold strings; a server that nests [N, 1] may hold arrays.
        var first: Any? = data.first
        while let nested = first as? [Any] { first = nested.first }
        return first as? String
    }
}
