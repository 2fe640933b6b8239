import Foundation
import Hummingbird
import NIOCore
import OpenInference

/// The Open Inference Protocol's HTTP face (KServe v2, Triton's HTTP API):
/// health, server and model metadata (`infer`, the hot route, is
/// `InferenceExchange`'s, in the channel pipeline).
struct InferenceRoutes {
    static let serverName = "ferry"
    static let serverVersion = "0.14.0"
    /// The protocol extensions this face implements, as `GET /v2` lists them.
    static let extensions = ["binary_tensor_data", "parameters"]

    let gateway: ModelGateway

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
        }
    }

    static func answer(_ body: () throws(InferenceError) -> Response) -> Response {
        do throws(InferenceError) { return try body() } catch { return failure(error) }
    }

    /// The protocol's error body, `{"error": "…"}`, with its status.
    static func failure(_ error: InferenceError) -> Response { InferenceExchange.failure(error).response }

    static func json(_ status: HTTPResponse.Status, _ body: String) -> Response { json(status, Array(body.utf8)) }

    static func json(_ status: HTTPResponse.Status, _ body: [UInt8]) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
