import Foundation
import Hummingbird
import NIOCore
import OpenInference

/// The Open Inference Protocol's HTTP face (KServe v2, Triton's HTTP API):
/// health, server and model metadata, and `infer` with JSON tensors or the
/// binary tensor data extension (what tritonclient sends by default).
struct InferenceRoutes {
    static let serverName = "ferry"
    static let serverVersion = "0.14.0"
    /// The protocol extensions this face implements, as `GET /v2` lists them.
    static let extensions = ["binary_tensor_data", "parameters"]

    static let headerLengthField: HTTPFields.Element.Name = .init(HTTPInferenceCodec.headerLengthField)!

    let gateway: ModelGateway
    let gate: ClientGate
    let maxBodyBytes: Int
    let metrics: IngressMetrics?
    let performance: PerformanceLog

    func register(on router: Router<IngressContext>) {
        let v2 = router.group("v2")
        v2.get("health/live") { _, _ in Self.json(.ok, #"{"live":true}"#) }
        v2.get("health/ready") { _, _ in
            gateway.isReady ? Self.json(.ok, #"{"ready":true}"#) : Self.json(.serviceUnavailable, #"{"ready":false}"#)
        }
        v2.get { _, _ in
            Self.json(.ok, HTTPInferenceCodec.encodeServerMetadata(name: Self.serverName, version: Self.serverVersion, extensions: Self.extensions))
        }
        for path in ["models/:model", "models/:model/versions/:version"] {
            v2.get(.init(path)) { _, context in
                Self.answer { () throws(InferenceError) in
                    let model = try gateway.model(context.parameters.get("model") ?? "", version: context.parameters.get("version"))
                    return Self.json(.ok, HTTPInferenceCodec.encodeMetadata(model))
                }
            }
            v2.get(.init(path + "/ready")) { _, context in
                Self.answer { () throws(InferenceError) in
                    let model = try gateway.model(context.parameters.get("model") ?? "", version: context.parameters.get("version"))
                    return gateway.isReady(model: model.name) ? Self.json(.ok, #"{"ready":true}"#) : Self.json(.serviceUnavailable, #"{"ready":false}"#)
                }
            }
            v2.post(.init(path + "/infer")) { request, context in
                let start = DispatchTime.now().uptimeNanoseconds
                let (response, client) = await infer(request, context: context)
                let elapsed = Int64(DispatchTime.now().uptimeNanoseconds - start)
                metrics?.answered(client: client, status: Int(response.status.code), nanoseconds: elapsed)
                performance.record(status: Int(response.status.code), nanoseconds: elapsed)
                return response
            }
        }
    }

    /// The answer, and the client it was for (for the metrics).
    func infer(_ request: Request, context: IngressContext) async -> (Response, String) {
        let client: String
        switch gate.client(header: { request.headers[.init($0)!] }) {
        case let .success(c): client = c
        case let .failure(refusal): return (Self.refused(refusal), "unauthenticated")
        }
        if let refusal = gate.admit(client) { return (Self.refused(refusal), client) }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maxBodyBytes)
        } catch {
            // Over the limit (413, as /proxy_classify answers), or the body broke off.
            var r = Self.json(.contentTooLarge, HTTPInferenceCodec.encodeError(.invalidArgument("request body over \(maxBodyBytes) bytes (--max-body-bytes): \(error)")))
            r.headers[.connection] = "close"
            return (r, client)
        }
        var headerLength: Int?
        if let raw = request.headers[Self.headerLengthField] {
            guard let n = Int(raw) else {
                return (Self.failure(.invalidArgument("\(HTTPInferenceCodec.headerLengthField) must be a byte count, got '\(raw)'")), client)
            }
            headerLength = n
        }
        do throws(InferenceError) {
            let model = try gateway.model(context.parameters.get("model") ?? "")  // NOT_FOUND before any complaint about the body
            let decoded = try HTTPInferenceCodec.decodeRequest(body: Array(buffer: body), headerLength: headerLength,
                                                               model: model.name, version: context.parameters.get("version"))
            let (answer, plan) = try await gateway.infer(decoded, model: model, client: client, cancelledBy: context.channel)
            let binary = Set(plan.outputs.filter(\.binary).map(\.name))
            let (bytes, length) = HTTPInferenceCodec.encodeResponse(answer, binaryOutputs: binary)
            var headers: HTTPFields = [.contentType: length == nil ? "application/json" : "application/octet-stream"]
            if let length { headers[Self.headerLengthField] = "\(length)" }
            return (Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes))), client)
        } catch {
            return (Self.failure(error), client)
        }
    }

    static func answer(_ body: () throws(InferenceError) -> Response) -> Response {
        do throws(InferenceError) { return try body() } catch { return failure(error) }
    }

    /// The protocol's error body, `{"error": "…"}`, with its status.
    static func failure(_ error: InferenceError) -> Response {
        var r = json(HTTPResponse.Status(code: error.httpStatus), HTTPInferenceCodec.encodeError(error))
        if case let .resourceExhausted(_, seconds) = error { r.headers[.retryAfter] = "\(seconds)" }
        return r
    }

    static func refused(_ refusal: ClientGate.Refusal) -> Response { failure(refusal.inferenceError) }

    static func json(_ status: HTTPResponse.Status, _ body: String) -> Response { json(status, Array(body.utf8)) }

    static func json(_ status: HTTPResponse.Status, _ body: [UInt8]) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
