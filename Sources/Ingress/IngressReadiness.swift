import NIOConcurrencyHelpers

/// Whether this ingress can serve: both faces listen (HTTP and gRPC), the
/// scheduler is connected and has a worker. Every readiness answer (`/readyz`,
/// `/v2/health/ready`, gRPC `ServerReady` and health) and the `ready` sent to
/// the supervisor read it, so none says ready before a client could connect.
final class IngressReadiness: Sendable {
    private let listening = NIOLockedValueBox((http: false, grpc: false))
    private let stopping = NIOLockedValueBox(false)
    let scheduler: SchedulerClient

    init(scheduler: SchedulerClient) { self.scheduler = scheduler }

    func httpListening() { listening.withLockedValue { $0.http = true } }
    /// The ingress began its graceful stop: it finishes what it holds.
    func beginStopping() { stopping.withLockedValue { $0 = true } }
    var isStopping: Bool { stopping.withLockedValue { $0 } }
    func grpcListening() { listening.withLockedValue { $0.grpc = true } }

    /// Both faces listen and the scheduler is connected (what the supervisor is told).
    var isUp: Bool { listening.withLockedValue { $0.http && $0.grpc } && scheduler.isConnected }

    /// Up, and the scheduler has a worker.
    var isReady: Bool { reason == nil }

    /// Why not ready, for `/readyz`; nil when ready.
    var reason: String? {
        let (http, grpc) = listening.withLockedValue { ($0.http, $0.grpc) }
        if !http { return "HTTP face not listening yet" }
        if !grpc { return "gRPC face not listening yet" }
        if !scheduler.isConnected { return "scheduler not connected" }
        if !scheduler.isReady { return "scheduler has no backend worker" }
        return nil
    }
}
