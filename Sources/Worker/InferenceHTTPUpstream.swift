import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import OpenInference

/// The Open Inference Protocol over HTTP: `POST {url}/v2/models/{m}/infer`.
/// Tensors go as JSON (what every server reads; MLServer 1.7 lacks the binary
/// extension), or binary when a BYTES element is not UTF-8 or the datatype
/// is not BYTES. The output is asked for in binary: a float tensor in JSON
/// (an embedding model's answer) cost the worker milliseconds a call to
/// parse, and a server without the extension ignores the parameter and
/// answers in JSON. Answers are read in either form.
public struct InferenceHTTPUpstream: UpstreamProtocol {
    public let name = "oip-http"
    let client: HTTPClient
    let model: UpstreamModel

    public init(client: HTTPClient, model: UpstreamModel) {
        self.client = client
        self.model = model
    }

    public func shutdown() { try? client.syncShutdown() }

    public func call(url: String, payloads: [[UInt8]], timeoutMs: Int64) async -> Result<[[UInt8]], UpstreamCallError> {
        var request = model.request(payloads)
        request.outputs = [.init(name: model.output, binary: true)]
        let binary = model.datatype != .bytes || payloads.contains { String(validating: $0, as: UTF8.self) == nil }
        let (body, headerLength) = HTTPInferenceCodec.encodeRequest(request, binary: binary)
        var headers = [("Content-Type", binary ? "application/octet-stream" : "application/json")]
        if let headerLength { headers.append((HTTPInferenceCodec.headerLengthField, "\(headerLength)")) }
        let version = model.version.map { "/versions/\($0)" } ?? ""
        let reply: (status: UInt, headers: HTTPHeaders, body: ByteBuffer)
        switch await UpstreamHTTP.post(client: client, url: "\(url)/v2/models/\(model.name)\(version)/infer", body: body,
                                       headers: headers, upstream: url, timeoutMs: timeoutMs) {
        case let .success(r): reply = r
        case let .failure(e): return .failure(e)
        }
        let bytes = Array(reply.body.readableBytesView)
        switch reply.status {
        case 200:
            let length = reply.headers.first(name: HTTPInferenceCodec.headerLengthField).flatMap(Int.init)
            do throws(InferenceError) {
                return model.rows(of: try HTTPInferenceCodec.decodeResponse(body: bytes, headerLength: length), count: payloads.count, upstream: url)
            } catch {
                return .failure(.final("upstream \(url) answered model '\(model.name)' with \(error.message)"))
            }
        case 500..<600:
            return .failure(.retryable("upstream \(url) answered \(reply.status) for model '\(model.name)': \(String(decoding: bytes.prefix(200), as: UTF8.self))"))
        default:
            return .failure(.final("upstream \(url) answered \(reply.status) for model '\(model.name)': \(String(decoding: bytes.prefix(200), as: UTF8.self))"))
        }
    }
}
