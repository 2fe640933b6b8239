import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Hummingbird
import InferenceProtocol
import OpenInference
import SeedModel

/// `bench bare-server` (hidden) — the yardstick of `bench throughput`: a
/// server that answers every request at once, on the same faces and with the
/// same answers as Ferry (the seed's `/proxy_classify`, the Open Inference
/// Protocol over HTTP JSON and over gRPC), built from the same libraries
/// (Hummingbird, grpc-swift 2), and doing only what answering needs: read the
/// text, apply the seed's rule, write the label. Ferry's figures divided by
/// its figures mean the same on any machine.
struct BareServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bare-server", abstract: "A server that answers at once (bench throughput's yardstick).", shouldDisplay: false)

    @Option(help: "HTTP port (the seed's route and the protocol's HTTP face).")
    var httpPort: Int

    @Option(help: "gRPC port (the protocol's gRPC face).")
    var grpcPort: Int

    static func json(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    func run() async throws {
        let router = Router()
        router.post("proxy_classify") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            let object = try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]
            guard let text = object?["sequence"] as? String else { return Self.json(#"{"error":"missing sequence"}"#) }
            return Self.json(#"{"result":"\#(TextClassifier.label(for: text))"}"#)
        }
        router.post("v2/models/:model/infer") { request, context -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            let model = context.parameters.get("model") ?? "classifier"
            // The protocol's JSON decoded as Ferry's ingress decodes it, so the
            // yardstick pays what any server of this face must.
            let decoded = try? HTTPInferenceCodec.decodeRequest(body: Array(buffer: body), headerLength: nil, model: model, version: nil)
            let text = decoded?.inputs.first?.rows().first.map { String(decoding: $0, as: UTF8.self) } ?? ""
            let label = TextClassifier.label(for: text)
            return Self.json(#"{"model_name":"\#(model)","model_version":"1","outputs":[{"name":"LABEL","datatype":"BYTES","shape":[1,1],"data":["\#(label)"]}]}"#)
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: httpPort), serverName: "bare"),
                              onServerRunning: { _ in print("ready http=\(httpPort) grpc=\(grpcPort)"); fflush(nil) })
        // Flushes at once, as Ferry's ingress does (grpc-swift's default holds each flush up to 100 µs to coalesce).
        let transport = HTTP2ServerTransport.Posix(address: .ipv4(host: "127.0.0.1", port: grpcPort), transportSecurity: .plaintext,
                                                   config: .defaults { $0.connection.flushCoalescing = nil })
        let grpc = GRPCServer(transport: transport, services: [BareInference()])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await grpc.serve() }
            group.addTask { try await app.runService() }
            try await group.next()
            group.cancelAll()
        }
    }
}

/// The Open Inference Protocol on gRPC, answering at once: ready, and each
/// `ModelInfer`'s `TEXT` rows labelled by the seed's rule.
struct BareInference: Inference_GRPCInferenceService.ServiceProtocol {
    func serverLive(request: ServerRequest<Inference_ServerLiveRequest>, context: ServerContext) async throws
        -> ServerResponse<Inference_ServerLiveResponse> {
        var r = Inference_ServerLiveResponse()
        r.live = true
        return ServerResponse(message: r)
    }

    func serverReady(request: ServerRequest<Inference_ServerReadyRequest>, context: ServerContext) async throws
        -> ServerResponse<Inference_ServerReadyResponse> {
        var r = Inference_ServerReadyResponse()
        r.ready = true
        return ServerResponse(message: r)
    }

    func modelReady(request: ServerRequest<Inference_ModelReadyRequest>, context: ServerContext) async throws
        -> ServerResponse<Inference_ModelReadyResponse> {
        var r = Inference_ModelReadyResponse()
        r.ready = true
        return ServerResponse(message: r)
    }

    func serverMetadata(request: ServerRequest<Inference_ServerMetadataRequest>, context: ServerContext) async throws
        -> ServerResponse<Inference_ServerMetadataResponse> {
        var r = Inference_ServerMetadataResponse()
        r.name = "bare"
        return ServerResponse(message: r)
    }

    func modelMetadata(request: ServerRequest<Inference_ModelMetadataRequest>, context: ServerContext) async throws
        -> ServerResponse<Inference_ModelMetadataResponse> {
        throw RPCError(code: .unimplemented, message: "the bare server has no metadata")
    }

    func modelInfer(request: ServerRequest<Inference_ModelInferRequest>, context: ServerContext) async throws
        -> ServerResponse<Inference_ModelInferResponse> {
        let decoded = try InferenceRequest(request.message)
        var labels: [[UInt8]] = []
        if case let .bytes(values)? = decoded.inputs.first?.elements {
            labels = values.map { Array(TextClassifier.label(for: String(decoding: $0, as: UTF8.self)).utf8) }
        }
        let response = InferenceResponse(id: decoded.id, modelName: decoded.modelName, modelVersion: "1",
                                         outputs: [.bytes(name: "LABEL", labels, shape: [Int64(labels.count), 1])])
        return ServerResponse(message: Inference_ModelInferResponse(response))
    }
}
