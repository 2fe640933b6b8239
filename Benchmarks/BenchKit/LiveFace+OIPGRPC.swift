import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import InferenceProtocol
import OpenInference

/// The Open Inference Protocol over gRPC: one `ModelInfer` call per text,
/// one row of `TEXT` in `raw_input_contents` (4-byte little-endian length,
/// then the bytes; what tritonclient sends), the client as `x-client-id`
/// metadata, the deadline as the call's (`grpc-timeout`). One grpc-swift 2
/// client (one HTTP/2 connection) carries every call of the run.
struct OIPGRPCFace: LiveFace {
    let service: Inference_GRPCInferenceService.Client<HTTP2ClientTransport.Posix>
    let model: String
    let output: String

    /// Connects to `host:port`, waits (bounded) until `ServerReady` says
    /// ready, runs `body`, then closes the connection.
    static func with<T: Sendable>(host: String, port: Int, model: String, output: String = "LABEL", within seconds: Double = 60,
                                  _ body: (any LiveFace) async throws -> T) async throws -> T {
        let isIPv4 = host.split(separator: ".", omittingEmptySubsequences: false).count == 4
            && host.split(separator: ".").allSatisfy { UInt8($0) != nil }
        let target: any ResolvableTarget = isIPv4 ? ResolvableTargets.IPv4.ipv4(address: host, port: port)
                                                  : ResolvableTargets.DNS.dns(host: host, port: port)
        let transport = try HTTP2ClientTransport.Posix(target: target, transportSecurity: .plaintext)
        return try await withGRPCClient(transport: transport) { client in
            let face = OIPGRPCFace(service: .init(wrapping: client), model: model, output: output)
            try await face.waitReady(within: seconds, address: "\(host):\(port)")
            return try await body(face)
        }
    }

    func waitReady(within seconds: Double, address: String) async throws {
        let deadline = ContinuousClock.now + .seconds(seconds)
        var last = "no answer"
        while ContinuousClock.now < deadline {
            var options = CallOptions.defaults
            options.timeout = .seconds(2)
            do {
                if try await service.serverReady(Inference_ServerReadyRequest(), options: options).ready { return }
                last = "ServerReady answered not ready"
            } catch {
                last = "\(error)"
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw BenchError.live("the gRPC face at \(address) was not ready within \(Int(seconds)) s (\(last))")
    }

    func classify(_ text: String, client: String, timeoutMs: Int?) async -> LiveAnswer {
        let request = Inference_ModelInferRequest(InferenceRequest(
            modelName: model, inputs: [.bytes(name: "TEXT", [Array(text.utf8)], shape: [1, 1])], outputs: [.init(name: output)]))
        var metadata = Metadata()
        metadata.addString(client, forKey: "x-client-id")
        var options = CallOptions.defaults
        if let timeoutMs { options.timeout = .milliseconds(timeoutMs) }
        do {
            let message = try await service.modelInfer(request, metadata: metadata, options: options)
            return LiveAnswer(outcome: .ok, status: "OK", label: Self.label(in: message, output: output) ?? "")
        } catch let error as RPCError {
            let status = Self.name(of: error.code)
            switch error.code {
            case .resourceExhausted: return LiveAnswer(outcome: .rejected, status: status)
            case .deadlineExceeded: return LiveAnswer(outcome: .expired, status: status)
            default: return LiveAnswer(outcome: .failed, status: status)
            }
        } catch {
            return LiveAnswer(outcome: .failed, status: "client error")
        }
    }

    /// `LABEL`'s first element, raw or typed contents alike, or what
    /// `LiveTexts.embeddingLabel` makes of an FP32 `EMBEDDING`.
    static func label(in message: Inference_ModelInferResponse, output name: String = "LABEL") -> String? {
        guard let response = try? InferenceResponse(message),
              let output = response.outputs.first(where: { $0.name == name }) else { return nil }
        if case let .bytes(values) = output.elements { return values.first.map { String(decoding: $0, as: UTF8.self) } }
        return output.floats.map(LiveTexts.embeddingLabel)
    }

    /// The status as gRPC spells it: `resourceExhausted` → `RESOURCE_EXHAUSTED`.
    static func name(of code: RPCError.Code) -> String {
        var out = ""
        for c in String(describing: code) {
            if c.isUppercase { out += "_" }
            out += c.uppercased()
        }
        return out
    }
}
