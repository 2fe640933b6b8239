import GRPCCore
import InferenceProtocol
import OpenInference

/// The Open Inference Protocol's gRPC face (`inference.GRPCInferenceService`,
/// Triton's and KServe's): the same models, gateway and client rules as the
/// HTTP face. Client identity and keys come from the call's metadata
/// (`x-client-id`, `x-api-key`, `authorization`); the call's deadline
/// (`grpc-timeout`) is its rows' deadline.
struct InferenceGRPCService: Inference_GRPCInferenceService.ServiceProtocol {
    let gateway: ModelGateway
    let gate: ClientGate
    let metrics: IngressMetrics?
    let performance: PerformanceLog

    func serverLive(request: ServerRequest<Inference_ServerLiveRequest>, context: ServerContext) async throws
        -> ServerResponse<Inference_ServerLiveResponse> {
        var r = Inference_ServerLiveResponse()
        r.live = true
        return ServerResponse(message: r)
    }

    func serverReady(request: ServerRequest<Inference_ServerReadyRequest>, context: ServerContext) async throws
        -> ServerResponse<Inference_ServerReadyResponse> {
        var r = Inference_ServerReadyResponse()
        r.ready = gateway.isReady
        return ServerResponse(message: r)
    }

    func modelReady(request: ServerRequest<Inference_ModelReadyRequest>, context: ServerContext) async throws
        -> ServerResponse<Inference_ModelReadyResponse> {
        try Self.mapped { () throws(InferenceError) -> ServerResponse<Inference_ModelReadyResponse> in
            let model = try gateway.model(request.message.name, version: request.message.version)
            var r = Inference_ModelReadyResponse()
            r.ready = gateway.isReady(model: model.name)
            return ServerResponse(message: r)
        }
    }

    func serverMetadata(request: ServerRequest<Inference_ServerMetadataRequest>, context: ServerContext) async throws
        -> ServerResponse<Inference_ServerMetadataResponse> {
        var r = Inference_ServerMetadataResponse()
        r.name = InferenceRoutes.serverName
        r.version = InferenceRoutes.serverVersion
        r.extensions = InferenceRoutes.extensions
        return ServerResponse(message: r)
    }

    func modelMetadata(request: ServerRequest<Inference_ModelMetadataRequest>, context: ServerContext) async throws
        -> ServerResponse<Inference_ModelMetadataResponse> {
        try Self.mapped { () throws(InferenceError) -> ServerResponse<Inference_ModelMetadataResponse> in
            let model = try gateway.model(request.message.name, version: request.message.version)
            return ServerResponse(message: Inference_ModelMetadataResponse(model))
        }
    }

    func modelInfer(request: ServerRequest<Inference_ModelInferRequest>, context: ServerContext) async throws
        -> ServerResponse<Inference_ModelInferResponse> {
        let start = ContinuousClock.now
        let header: (String) -> String? = { name in request.metadata[stringValues: name].first(where: { _ in true }) }
        var client = "unauthenticated"
        var code = 200
        defer {
            let elapsed = start.duration(to: .now)
            let ns = elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
            metrics?.answered(client: client, status: code, nanoseconds: ns)
            performance.record(status: code, nanoseconds: ns)
        }
        do throws(InferenceError) {
            switch gate.client(header: header) {
            case let .success(c): client = c
            case let .failure(refusal): throw refusal.inferenceError
            }
            if let refusal = gate.admit(client) { throw refusal.inferenceError }
            let model = try gateway.model(request.message.modelName)
            let decoded = try InferenceRequest(request.message)
            // A call the client cancels, or whose deadline passes, withdraws its rows from the queue
            // (answered DEADLINE_EXCEEDED when it is the deadline: grpc-swift cancels for both).
            let timeoutMs = header("grpc-timeout").flatMap(GRPCTimeout.milliseconds)
            // grpc-swift's timer started a moment before this handler, and the header was rounded up: 5 ms of slack.
            let deadline = timeoutMs.map { start + .milliseconds(max(0, Int($0) - 5)) }
            let withdrawal = RowWithdrawal(scheduler: gateway.scheduler)
            let (answer, _) = try await withRPCCancellationHandler { () async throws(InferenceError) in
                try await gateway.infer(decoded, model: model, client: client, timeoutMs: timeoutMs, withdrawal: withdrawal)
            } onCancelRPC: { [gateway] in
                // grpc-swift also signals a server's graceful stop this way (quiescing); then
                // the call is answered like every other held request, not withdrawn.
                guard !gateway.readiness.isStopping else { return }
                if let deadline, ContinuousClock.now >= deadline {
                    withdrawal.withdraw(reason: "the call's deadline passed before it could run", status: .expired)
                } else {
                    withdrawal.withdraw(reason: "the client cancelled the call")
                }
            }
            return ServerResponse(message: Inference_ModelInferResponse(answer))
        } catch {
            code = error.httpStatus
            throw Self.rpcError(error)
        }
    }

    /// Runs `body`, turning Ferry's protocol errors into gRPC's.
    static func mapped<T>(_ body: () throws(InferenceError) -> T) throws -> T {
        do throws(InferenceError) { return try body() } catch { throw rpcError(error) }
    }

    /// The protocol's gRPC status for an error; a refusal for load carries `retry-after` (seconds).
    static func rpcError(_ error: InferenceError) -> RPCError {
        switch error {
        case let .notFound(m): return RPCError(code: .notFound, message: m)
        case let .invalidArgument(m): return RPCError(code: .invalidArgument, message: m)
        case let .resourceExhausted(m, seconds): return RPCError(code: .resourceExhausted, message: m, metadata: ["retry-after": "\(seconds)"])
        case let .deadlineExceeded(m): return RPCError(code: .deadlineExceeded, message: m)
        case let .unauthenticated(m): return RPCError(code: .unauthenticated, message: m)
        case let .unavailable(m): return RPCError(code: .unavailable, message: m)
        case let .backendFailed(m), let .internal(m): return RPCError(code: .internalError, message: m)
        }
    }
}
