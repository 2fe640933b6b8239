import FerryLog
import Foundation
import Hummingbird
import NIOCore

/// The operator's routes: `/healthz`, `/readyz` and `/metrics` (the seed's
/// `POST /proxy_classify` is `ClassifyHandler`'s, in the channel pipeline).
struct StatusRoutes {
    let scheduler: SchedulerClient
    let readiness: IngressReadiness
    let metrics: IngressMetrics?

    func register(on router: Router<IngressContext>) {
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
