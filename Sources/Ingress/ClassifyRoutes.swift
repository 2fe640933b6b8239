import CostModel
import FerryLog
import Foundation
import Hummingbird
import NIOCore
import Wire

/// The HTTP surface: the seed's `POST /proxy_classify` (a route onto one
/// model, the seed's classifier), plus `/healthz`, `/readyz` and `/metrics`.
/// Answers are byte-compatible with the seed's FastAPI proxy
/// (`{"result":"code"}`), so its clients work unchanged.
struct ClassifyRoutes {
    let scheduler: SchedulerClient
    /// The model `/proxy_classify` submits to.
    let model: String
    /// What the model's cost follows in a text.
    let itemSize: ItemSize
    let readiness: IngressReadiness
    let limits: IngressConfiguration.Limits
    let gate: ClientGate
    let metrics: IngressMetrics?
    let performance: PerformanceLog

    func register(on router: Router<IngressContext>) {
        router.post("proxy_classify") { request, context in
            let start = DispatchTime.now().uptimeNanoseconds
            let (response, client) = await classify(request, channel: context.channel)
            let elapsed = Int64(DispatchTime.now().uptimeNanoseconds - start)
            metrics?.answered(client: client, status: response.status.code, nanoseconds: elapsed)
            performance.record(status: response.status.code, nanoseconds: elapsed)
            return response
        }
        router.get("metrics") { _, _ in
            let page = metrics?.page(statuses: scheduler.statuses, ready: readiness.isReady) ?? []
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                            body: .init(byteBuffer: ByteBuffer(bytes: page)))
        }
        router.get("healthz") { _, _ in
            json(.ok, ["status": "ok"])
        }
        router.get("readyz") { _, _ in
            readyz()
        }
    }

    /// Ready or not, with each model's queue under `models` and their sums
    /// (the one model's own figures, in the seed's setup) at the top.
    func readyz() -> Response {
        if let why = readiness.reason {
            return json(.serviceUnavailable, ["status": "not ready", "reason": why])
        }
        let statuses = scheduler.statuses
        var fields = ["status": "ready"]
        var models: [String: [String: String]] = [:]
        for s in statuses {
            var m = ["ready": scheduler.isReady(model: s.model) ? "true" : "false", "strategy": s.strategy,
                     "queued": "\(s.queued)", "in_flight": "\(s.inFlight)", "queue_high_water": "\(s.highWater)",
                     "max_queued": "\(s.maxQueued)", "drain_per_s": "\(s.drainPerS)", "cost": s.cost]
            if !s.degraded.isEmpty { m["degraded"] = s.degraded }
            models[s.model] = m
        }
        if !statuses.isEmpty {
            var strategies: [String] = []
            for s in statuses where !strategies.contains(s.strategy) { strategies.append(s.strategy) }
            fields["strategy"] = strategies.joined(separator: ",")
            fields["queued"] = "\(statuses.reduce(0) { $0 + Int($1.queued) })"
            fields["in_flight"] = "\(statuses.reduce(0) { $0 + Int($1.inFlight) })"
            fields["queue_high_water"] = "\(statuses.reduce(0) { $0 + Int($1.highWater) })"
            fields["max_queued"] = "\(statuses.reduce(0) { $0 + Int($1.maxQueued) })"
            fields["drain_per_s"] = "\(statuses.reduce(0) { $0 + Int($1.drainPerS) })"
            let degraded = statuses.filter { !$0.degraded.isEmpty }
            if !degraded.isEmpty {
                // Still serving (on the fallback), but an operator must know.
                fields["status"] = "degraded"
                fields["degraded"] = degraded.map { statuses.count > 1 ? "model '\($0.model)': \($0.degraded)" : $0.degraded }.joined(separator: "; ")
            }
        }
        return json(.ok, fields, objects: ["models": models])
    }

    /// The answer, and the client it was for (for the metrics).
    func classify(_ request: Request, channel: any Channel) async -> (Response, String) {
        switch gate.client(header: { request.headers[.init($0)!] }) {
        case let .success(client): return (await classify(request, client: client, channel: channel), client)
        case let .failure(refusal): return (json(HTTPResponse.Status(code: refusal.status), ["error": refusal.message]), "unauthenticated")
        }
    }

    func classify(_ request: Request, client: String, channel: any Channel) async -> Response {
        if let refusal = gate.admit(client) {
            var r = json(.tooManyRequests, ["error": refusal.message])
            r.headers[.retryAfter] = "\(refusal.retryAfterSeconds)"
            return r
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: limits.maxBodyBytes)
        } catch {
            return json(.contentTooLarge, ["error": "request body over \(limits.maxBodyBytes) bytes"])
        }
        let text: String
        switch ClassifyRequestDecoder.decode(body: Array(buffer: body), contentType: request.headers[.contentType],
                                             maxSequenceLength: limits.maxSequenceLength) {
        case let .success(t): text = t
        case let .failure(p): return problem(p)
        }
        var timeoutMs = limits.defaultTimeoutMs
        if let raw = request.headers[.init("X-Timeout-Ms")!] {
            guard let t = UInt32(raw), t > 0 else {
                return json(.badRequest, ["error": "X-Timeout-Ms must be a positive whole number of milliseconds, got '\(raw)'"])
            }
            timeoutMs = t
        }
        let result = await scheduler.submit(model: model, client: client, cost: itemSize.size(ofText: text), timeoutMs: timeoutMs,
                                            payload: Array(text.utf8), cancelledBy: channel)
        let reason = String(decoding: result.body, as: UTF8.self)
        switch result.status {
        case .ok:
            // Exactly the seed's bytes: {"result":"code"}
            var out = ByteBuffer()
            out.writeString("{\"result\":")
            out.writeString(jsonQuoted(reason))
            out.writeString("}")
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: out))
        case .rejected:
            var r = json(.tooManyRequests, ["error": reason])
            r.headers[.retryAfter] = "\(max(1, (Int(result.retryAfterMs) + 999) / 1000))"
            return r
        case .expired:
            return json(.gatewayTimeout, ["error": reason])
        case .failed, .invalid:
            return json(.badGateway, ["error": reason])
        case .unavailable, .busy:
            // The scheduler queues a busy call again and never answers with it; 503 if one ever did.
            return json(.serviceUnavailable, ["error": reason])
        }
    }

    func problem(_ p: ClassifyRequestDecoder.Problem) -> Response {
        json(HTTPResponse.Status(code: p.status), ["error": p.message])
    }
}

/// A small JSON object response: `{"key":"value",…}` in key order, then
/// each of `objects` as `"name":{"key":{…},…}`.
func json(_ status: HTTPResponse.Status, _ fields: [String: String], objects: [String: [String: [String: String]]] = [:]) -> Response {
    func members<Value>(_ values: [String: Value], _ render: (Value) -> String) -> [String] {
        values.keys.sorted().map { "\(jsonQuoted($0)):\(render(values[$0]!))" }
    }
    func object(_ fields: [String: String]) -> String { "{" + members(fields, jsonQuoted).joined(separator: ",") + "}" }
    let nested = members(objects) { "{" + members($0, object).joined(separator: ",") + "}" }
    let body = "{" + (members(fields, jsonQuoted) + nested).joined(separator: ",") + "}"
    return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
}
