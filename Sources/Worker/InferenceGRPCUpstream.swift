import GRPCCore
import GRPCNIOTransportHTTP2Posix
import InferenceProtocol
import NIOCore
import OpenInference

/// The Open Inference Protocol over gRPC: one `ModelInfer` per batch, its
/// input raw (`raw_input_contents`, as tritonclient sends). One client per
/// upstream `grpc://HOST:PORT`, its HTTP/2 connection kept open, on the
/// worker's upstream loop (`UpstreamLoop`).
public final class InferenceGRPCUpstream: UpstreamProtocol {
    public let name = "oip-grpc"
    let model: UpstreamModel
    let clients: [String: GRPCClient<HTTP2ClientTransport.Posix>]

    /// Starts each client's connection task; they end on `shutdown()`.
    public init(urls: [String], model: UpstreamModel) throws {
        self.model = model
        // Every URL and transport first, so a bad one leaves no connection task behind.
        var clients: [String: GRPCClient<HTTP2ClientTransport.Posix>] = [:]
        for url in urls {
            guard let (host, port) = Self.hostAndPort(url) else {
                throw UpstreamCallError.final("upstream \(url) is not grpc://HOST:PORT")
            }
            let transport = try HTTP2ClientTransport.Posix(target: Self.target(host: host, port: port), transportSecurity: .plaintext,
                                                           config: .defaults { $0.connection.flushCoalescing = nil },
                                                           eventLoopGroup: UpstreamLoop.group)
            clients[url] = GRPCClient(transport: transport)
        }
        for client in clients.values { Task(executorPreference: UpstreamLoop.executor) { try? await client.runConnections() } }
        self.clients = clients
    }

    /// An IPv4 literal as itself (no resolver round), anything else through DNS.
    static func target(host: String, port: Int) -> any ResolvableTarget {
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count == 4 && parts.allSatisfy({ UInt8($0) != nil }) { return ResolvableTargets.IPv4.ipv4(address: host, port: port) }
        return ResolvableTargets.DNS.dns(host: host, port: port)
    }

    static func hostAndPort(_ url: String) -> (String, Int)? {
        guard url.hasPrefix("grpc://") else { return nil }
        let rest = url.dropFirst("grpc://".count)
        guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]), !rest[..<colon].isEmpty else { return nil }
        return (String(rest[..<colon]), port)
    }

    public func shutdown() {
        for client in clients.values { client.beginGracefulShutdown() }
    }

    public func call(url: String, payloads: [[UInt8]], timeoutMs: Int64) async -> Result<[[UInt8]], UpstreamCallError> {
        guard let client = clients[url] else { return .failure(.final("no gRPC client for upstream \(url)")) }
        var options = CallOptions.defaults
        // A server that is down fails the call at once (and the backend decides), rather than waiting for it.
        options.waitForReady = false
        let message = Inference_ModelInferRequest(model.request(payloads))
        // The deadline is a timer on the upstream loop that cancels the call,
        // not `options.timeout`: grpc-swift races that with `Task.sleep`,
        // which arms a timer on libdispatch's thread (a thread woken per call,
        // and again when the timer lapses long after the call ended).
        let deadline = NIODeadline.now() + .milliseconds(timeoutMs)
        let rpc = Task(executorPreference: UpstreamLoop.executor) { [options] in
            try await Inference_GRPCInferenceService.Client(wrapping: client).modelInfer(message, options: options)
        }
        let timer = UpstreamLoop.executor.eventLoop.scheduleTask(deadline: deadline) { rpc.cancel() }
        defer { timer.cancel() }
        do {
            let answer = try await withTaskCancellationHandler { try await rpc.value } onCancel: { rpc.cancel() }
            let response: InferenceResponse
            do throws(InferenceError) { response = try InferenceResponse(answer) } catch {
                return .failure(.final("upstream \(url) answered model '\(model.name)' with \(error.message)"))
            }
            return model.rows(of: response, count: payloads.count, upstream: url)
        } catch {
            // Cancelled by the timer (grpc-swift reports it as a transport error, code unknown).
            if NIODeadline.now() >= deadline {
                return .failure(.retryable("upstream \(url) did not answer within \(timeoutMs) ms (model '\(model.name)')"))
            }
            if let error = error as? RPCError { return .failure(Self.sorted(error, url: url, model: model.name)) }
            return .failure(.retryable("upstream \(url): \(error)"))
        }
    }

    /// No connection was made: a refused connect somewhere in the causes, or
    /// a channel that has not connected since its last failure (with
    /// `waitForReady` off, grpc-swift fails the call at once, unsent).
    static func neverConnected(_ error: any Error) -> Bool {
        if UpstreamCallError.isRefused(error) { return true }
        guard let rpc = error as? RPCError else { return false }
        if rpc.message.lowercased().contains("transient failure") { return true }
        return rpc.cause.map(neverConnected) ?? false
    }

    /// gRPC's codes, the backend's way: nothing sent, try again, or give up.
    static func sorted(_ error: RPCError, url: String, model: String) -> UpstreamCallError {
        let what = "upstream \(url) answered \(error.code) for model '\(model)': \(error.message)"
        switch error.code {
        case .unavailable:
            // grpc-swift says UNAVAILABLE for a connection it could not make (nothing was
            // sent: wait for the server) and for a dropped one or a server's own refusal.
            return neverConnected(error) ? .unreachable("upstream \(url) is not accepting connections (\(error.message))") : .retryable(what)
        case .deadlineExceeded: return .retryable("upstream \(url) did not answer within the deadline (model '\(model)')")
        case .resourceExhausted, .aborted, .internalError, .unknown, .dataLoss, .cancelled: return .retryable(what)
        default: return .final(what)
        }
    }
}
