import OpenInference
import Wire

/// The models this ingress serves, and how an inference request becomes
/// items for the scheduler: one per row, submitted together (the scheduler
/// batches them with everyone else's, and splits a request larger than the
/// batch limit), the answers put back in row order.
struct ModelGateway: Sendable {
    let scheduler: SchedulerClient
    let readiness: IngressReadiness
    let models: [String: ServedModel]

    /// The model, or NOT_FOUND naming the ones there are.
    func model(_ name: String) throws(InferenceError) -> ModelMetadata {
        guard let model = models[name] else {
            throw .notFound("unknown model '\(name)'; this Ferry serves \(models.keys.sorted().map { "'\($0)'" }.joined(separator: ", "))")
        }
        return model.metadata
    }

    /// The model at `version` (nil or empty: any), or NOT_FOUND naming the versions there are.
    func model(_ name: String, version: String?) throws(InferenceError) -> ModelMetadata {
        let model = try model(name)
        try model.check(version: version)
        return model
    }

    var isReady: Bool { readiness.isReady }

    /// The server is ready and the worker serves `model`.
    func isReady(model: String) -> Bool { readiness.isReady && scheduler.isReady(model: model) }

    /// Runs one request for `model` (the face looked it up first, so an unknown
    /// model is NOT_FOUND before any complaint about the body; its version is
    /// checked with the rest of the request) through the scheduler. `timeoutMs` (the gRPC call's
    /// deadline) wins over the request's `timeout` parameter when sooner;
    /// `withdrawal` holds the rows so the face can withdraw them when its
    /// client gives up.
    func infer(_ request: InferenceRequest, model: ModelMetadata, client: String, timeoutMs callDeadline: UInt32? = nil,
               withdrawal: RowWithdrawal) async throws(InferenceError) -> (InferenceResponse, RequestCheck.Plan) {
        let outcome = await withCheckedContinuation { continuation in
            do throws(InferenceError) {
                try infer(request, model: model, client: client, timeoutMs: callDeadline, withdrawal: withdrawal) {
                    continuation.resume(returning: $0)
                }
            } catch {
                continuation.resume(returning: .failure(error))
            }
        }
        return try outcome.get()
    }

    /// The same without waiting: a request the protocol refuses throws at
    /// once; otherwise its rows are submitted and `answer` is called once,
    /// when the last row is answered (on the scheduler link's loop, or on the
    /// thread of a withdrawal). The HTTP face calls it on the link's loop.
    func infer(_ request: InferenceRequest, model: ModelMetadata, client: String, timeoutMs callDeadline: UInt32? = nil,
               withdrawal: RowWithdrawal,
               answer: @escaping @Sendable (Result<(InferenceResponse, RequestCheck.Plan), InferenceError>) -> Void) throws(InferenceError) {
        let limits = models[model.name] ?? ServedModel(metadata: model)
        let check = RequestCheck(model: model, maxTextLength: limits.maxTextLength, maxRows: limits.maxRows)
        let plan = try check.plan(request)
        // The check asks for a row at least; without one nothing would ever answer.
        guard !plan.rows.isEmpty else { throw .invalidArgument("model '\(model.name)': the request has no rows") }
        let defaultTimeoutMs = limits.defaultTimeoutMs
        let deadlines = [request.timeoutMs, callDeadline, defaultTimeoutMs == 0 ? nil : defaultTimeoutMs].compactMap { $0 }
        let timeoutMs = deadlines.min() ?? 0
        let isText = request.inputs.first?.datatype == .bytes
        let rows = RowAnswers(count: plan.rows.count) { results in
            // The error of the row that failed first in row order, not one withdrawn for it;
            // all withdrawn: the client went away (nobody reads this answer).
            let failed = results.enumerated().filter { $0.element.status != .ok }
            if let (i, bad) = failed.first(where: { !withdrawal.wasWithdrawn($0.element.id) }) ?? failed.first {
                answer(.failure(Self.error(for: bad, row: i, of: results.count, model: request.modelName)))
                return
            }
            do throws(InferenceError) {
                answer(.success((try check.response(to: request, plan: plan, results: results.map(\.body)), plan)))
            } catch {
                answer(.failure(error))
            }
        }
        for (i, row) in plan.rows.enumerated() {
            // The cost hint: what the model's cost follows (characters for the seed's classifier).
            scheduler.submit(model: model.name, client: client, priority: request.ferryPriority, cost: limits.itemSize.size(of: row, isText: isText),
                             timeoutMs: timeoutMs, payload: row, submitted: withdrawal.submitted) { result in
                // Once one row fails the request fails: the others would run for nobody.
                if result.status != .ok { withdrawal.withdraw(reason: "another row of the request failed") }
                rows.answered(i, result)
            }
        }
    }

    /// The protocol's error for an item the scheduler did not answer `ok`.
    static func error(for result: RequestResult, row: Int, of rows: Int, model: String) -> InferenceError {
        let reason = String(decoding: result.body, as: UTF8.self)
        let what = rows == 1 ? "model '\(model)': \(reason)" : "model '\(model)', row \(row) of \(rows): \(reason)"
        switch result.status {
        case .ok: return .internal(what)
        case .rejected: return .resourceExhausted(what, retryAfterSeconds: max(1, (Int(result.retryAfterMs) + 999) / 1000))
        case .expired: return .deadlineExceeded(what)
        case .invalid: return .invalidArgument(what)
        case .failed: return .backendFailed(what)
        case .unavailable, .busy: return .unavailable(what)
        }
    }
}
