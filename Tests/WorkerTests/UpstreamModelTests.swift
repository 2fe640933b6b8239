import OpenInference
import Testing
import TestSupport
@testable import Worker

@Suite struct UpstreamModelTests {
    let model = UpstreamModel(name: "classifier", input: "TEXT", output: "LABEL", datatype: .bytes, rowShape: [1])

    @Test func aBatchIsOneRequestWithARowPerItem() {
        let request = model.request([Array("a".utf8), Array("bb".utf8), Array("c;".utf8)])
        #expect(request.modelName == "classifier")
        #expect(request.inputs == [.bytes(name: "TEXT", [Array("a".utf8), Array("bb".utf8), Array("c;".utf8)], shape: [3, 1])])
        #expect(request.outputs == [.init(name: "LABEL")])
        let flat = UpstreamModel(rowShape: []).request([Array("x".utf8)])
        #expect(flat.inputs.first?.shape == [1])
    }

    @Test func theAnswerIsCutBackIntoRows() throws {
        let answer = InferenceResponse(id: nil, modelName: "classifier", modelVersion: "1",
                                       outputs: [.bytes(name: "LABEL", [Array("code".utf8), Array("not code".utf8)], shape: [2, 1])])
        let rows = try model.rows(of: answer, count: 2, upstream: "grpc://u").get()
        #expect(rows == [Array("code".utf8), Array("not code".utf8)])
    }

    @Test func aWrongAnswerIsAFinalErrorNamingTheUpstreamAndTheModel() {
        let short = InferenceResponse(id: nil, modelName: "classifier", modelVersion: "1",
                                      outputs: [.bytes(name: "LABEL", [Array("code".utf8)], shape: [1, 1])])
        guard case let .failure(.final(message)) = model.rows(of: short, count: 2, upstream: "grpc://u") else {
            Issue.record("a short answer must be a final error")
            return
        }
        #expect(message == "upstream grpc://u answered output 'LABEL' of shape [1, 1] for 2 row(s)")
        let other = InferenceResponse(id: nil, modelName: "classifier", modelVersion: "1", outputs: [.bytes(name: "SCORE", [[1]])])
        guard case let .failure(.final(missing)) = model.rows(of: other, count: 1, upstream: "http://u") else {
            Issue.record("a missing output must be a final error")
            return
        }
        #expect(missing.contains("without output 'LABEL' (it sent: SCORE)"))
    }

    @Test func grpcStatusesAreSortedTheBackendsWay() {
        func kind(_ e: UpstreamCallError) -> String {
            switch e { case .unreachable: "unreachable"; case .retryable: "retryable"; case .final: "final" }
        }
        #expect(kind(InferenceGRPCUpstream.sorted(.init(code: .unavailable, message: "injected failure"), url: "u", model: "m")) == "retryable")
        #expect(kind(InferenceGRPCUpstream.sorted(.init(code: .unavailable, message: "The TCP connection was dropped unexpectedly."), url: "u", model: "m")) == "retryable")
        #expect(kind(InferenceGRPCUpstream.sorted(.init(code: .internalError, message: "x"), url: "u", model: "m")) == "retryable")
        #expect(kind(InferenceGRPCUpstream.sorted(.init(code: .invalidArgument, message: "x"), url: "u", model: "m")) == "final")
        #expect(kind(InferenceGRPCUpstream.sorted(.init(code: .notFound, message: "x"), url: "u", model: "m")) == "final")
        #expect(InferenceGRPCUpstream.hostAndPort("grpc://127.0.0.1:8021")! == ("127.0.0.1", 8021))
        #expect(InferenceGRPCUpstream.hostAndPort("http://x:1") == nil)
    }

    /// What grpc-swift really says when nothing listens: nothing was sent, so
    /// the backend waits for the server rather than spending a try. (A call
    /// made while the client is still starting its first connection may wait
    /// for it and time out instead; the ones after it are told at once.)
    @Test func aServerThatIsNotThereIsUnreachableNotAFailedTry() async throws {
        let port = try FreePort.find()
        let url = "grpc://127.0.0.1:\(port)"
        let face = try InferenceGRPCUpstream(urls: [url], model: model)
        defer { face.shutdown() }
        var last: Result<[[UInt8]], UpstreamCallError>?
        for _ in 0..<5 {  // bounded: the test runner may starve the client's connection task a while
            last = await face.call(url: url, payloads: [Array("x".utf8)], timeoutMs: 3_000)
            if case .failure(.unreachable) = last { return }
        }
        Issue.record("expected unreachable, got \(String(describing: last))")
    }

    /// The call's deadline is the face's own timer (not grpc-swift's, which
    /// sleeps on libdispatch's thread): a real server that takes 40 s (the
    /// seed's rule, 200 characters at 1 ms per squared character) is given
    /// up after the 500 ms asked, as a retryable try that names the time.
    @Test func aCallPastItsDeadlineIsGivenUpAsARetryableTry() async throws {
        let server = try ProtocolServer(script: "model_server.py", ["--port", "{http}", "--grpc-port", "{grpc}", "--unit-ms", "1"])
        defer { server.stop() }
        try await server.waitUntilReady()
        let face = try InferenceGRPCUpstream(urls: [server.grpcURL], model: model)
        defer { face.shutdown() }
        let quick = await face.call(url: server.grpcURL, payloads: [Array("ab".utf8)], timeoutMs: 30_000)
        #expect(try quick.get() == [Array("not code".utf8)])
        let slow = await face.call(url: server.grpcURL, payloads: [Array(String(repeating: "x", count: 200).utf8)], timeoutMs: 500)
        guard case let .failure(.retryable(message)) = slow else {
            Issue.record("expected a retryable timeout, got \(slow)")
            return
        }
        #expect(message == "upstream \(server.grpcURL) did not answer within 500 ms (model 'classifier')")
    }
}
