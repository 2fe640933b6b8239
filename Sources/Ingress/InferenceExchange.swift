import HTTPTypes
import NIOCore
import OpenInference

/// The protocol's `POST /v2/models/{model}[/versions/{version}]/infer` (KServe
/// v2, Triton's HTTP API: JSON tensors or the binary tensor data extension)
/// as a `PipelineRoute`; the protocol's other HTTP routes are
/// `InferenceRoutes`, on the router.
struct InferenceExchange: PipelineRoute {
    let gateway: ModelGateway
    let gate: ClientGate
    let maxBodyBytes: Int

    static let headerLengthField = HTTPField.Name(HTTPInferenceCodec.headerLengthField)!

    /// The model and version an infer path names; nil for any other path.
    static func target(of path: Substring) -> (model: Substring, version: Substring?)? {
        // /v2/models/MODEL[/versions/VERSION]/infer, read in place: every request
        // asks this twice, and an array of its parts was a twentieth of the face's CPU.
        guard let afterModels = Self.after("/v2/models/", in: path[...]),
              let (model, tail) = Self.segment(afterModels) else { return nil }
        if tail == "infer" { return (model, nil) }
        guard let afterVersions = Self.after("versions/", in: tail), let (version, last) = Self.segment(afterVersions),
              last == "infer" else { return nil }
        return (model, version)
    }

    /// What follows `prefix` in `text`, if it starts with it.
    private static func after(_ prefix: String, in text: Substring) -> Substring? {
        text.hasPrefix(prefix) ? text.dropFirst(prefix.count) : nil
    }

    /// A non-empty segment up to the next `/`, and what follows that `/`.
    private static func segment(_ text: Substring) -> (Substring, Substring)? {
        guard let slash = text.firstIndex(of: "/"), slash != text.startIndex else { return nil }
        return (text[..<slash], text[text.index(after: slash)...])
    }

    func serves(_ head: HTTPRequest) -> Bool { head.method == .post && Self.target(of: head.pathOnly) != nil }

    var bodyTooLarge: PipelineReply {
        // Closed after: the rest of a body this large is not worth reading.
        var reply = Self.failure(.invalidArgument("request body over \(maxBodyBytes) bytes (--max-body-bytes)"))
        reply.status = .contentTooLarge  // as /proxy_classify answers; the protocol's body
        reply.headers[.connection] = "close"
        return reply
    }

    func run(_ head: HTTPRequest, body: ByteBuffer,
             answer: @escaping @Sendable (PipelineReply, _ client: String) -> Void) -> (@Sendable () -> Void)? {
        let (client, refusal) = gate.pass(headers: head.headerFields)
        if let refusal {
            answer(Self.failure(refusal.inferenceError), client)
            return nil
        }
        do throws(InferenceError) {
            var headerLength: Int?
            if let raw = head.headerFields[Self.headerLengthField] {
                guard let n = Int(raw) else {
                    throw .invalidArgument("\(HTTPInferenceCodec.headerLengthField) must be a byte count, got '\(raw)'")
                }
                headerLength = n
            }
            guard let target = Self.target(of: head.pathOnly) else { throw .notFound("no such route") }
            let version = target.version.map(String.init)
            let model = try gateway.model(String(target.model))  // NOT_FOUND before any complaint about the body
            let decoded = try HTTPInferenceCodec.decodeRequest(body: Array(buffer: body), headerLength: headerLength,
                                                               model: model.name, version: version)
            let withdrawal = RowWithdrawal(scheduler: gateway.scheduler)
            try gateway.infer(decoded, model: model, client: client, withdrawal: withdrawal) { outcome in
                switch outcome {
                case let .success((response, plan)):
                    let binary = Set(plan.outputs.filter(\.binary).map(\.name))
                    let (bytes, length) = HTTPInferenceCodec.encodeResponse(response, binaryOutputs: binary)
                    var headers = HTTPFields()
                    if let length { headers[Self.headerLengthField] = "\(length)" }
                    answer(PipelineReply(.ok, body: ByteBuffer(bytes: bytes),
                                         contentType: length == nil ? "application/json" : "application/octet-stream", headers: headers), client)
                case let .failure(error):
                    answer(Self.failure(error), client)
                }
            }
            return { withdrawal.withdraw(reason: "client went away") }
        } catch {
            answer(Self.failure(error), client)
            return nil
        }
    }

    /// The protocol's error body, `{"error": "…"}`, with its status (and Retry-After for RESOURCE_EXHAUSTED).
    static func failure(_ error: InferenceError) -> PipelineReply {
        var headers = HTTPFields()
        if case let .resourceExhausted(_, seconds) = error { headers[.retryAfter] = "\(seconds)" }
        return PipelineReply(HTTPResponse.Status(code: error.httpStatus), body: ByteBuffer(bytes: HTTPInferenceCodec.encodeError(error)),
                             headers: headers)
    }
}
