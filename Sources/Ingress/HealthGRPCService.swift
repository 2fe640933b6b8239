import GRPCCore
import InferenceProtocol

/// The standard `grpc.health.v1.Health` service: SERVING while the scheduler
/// and a worker are connected, for the whole server ("") and for the
/// inference service by name; anything else is SERVICE_UNKNOWN (Check: NOT_FOUND).
struct HealthGRPCService: Grpc_Health_V1_Health.SimpleServiceProtocol {
    let isReady: @Sendable () -> Bool
    static let known: Set<String> = ["", "inference.GRPCInferenceService"]

    func status(of service: String) -> Grpc_Health_V1_HealthCheckResponse.ServingStatus? {
        guard Self.known.contains(service) else { return nil }
        return isReady() ? .serving : .notServing
    }

    func check(request: Grpc_Health_V1_HealthCheckRequest, context: ServerContext) async throws -> Grpc_Health_V1_HealthCheckResponse {
        guard let status = status(of: request.service) else {
            throw RPCError(code: .notFound, message: "unknown service '\(request.service)'; known: \(Self.known.sorted().map { "'\($0)'" }.joined(separator: ", "))")
        }
        var r = Grpc_Health_V1_HealthCheckResponse()
        r.status = status
        return r
    }

    /// Sends the status now and again on every change, until the caller goes
    /// or the server stops (a poll every 100 ms: readiness is a flag, not an
    /// event stream). grpc-swift says both through the RPC's cancellation
    /// handle, not by cancelling the task.
    func watch(request: Grpc_Health_V1_HealthCheckRequest, response: RPCWriter<Grpc_Health_V1_HealthCheckResponse>,
               context: ServerContext) async throws {
        var last: Grpc_Health_V1_HealthCheckResponse.ServingStatus?
        while !Task.isCancelled && !context.cancellation.isCancelled {
            let now = status(of: request.service) ?? .serviceUnknown
            if now != last {
                var r = Grpc_Health_V1_HealthCheckResponse()
                r.status = now
                try await response.write(r)
                last = now
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}
