import AsyncHTTPClient
import Foundation
import NIOCore
import OpenInference

/// Open Inference Protocol calls over HTTP, as a test sends them.
public enum InferenceHTTP {
    public struct Answer: Sendable {
        public let status: UInt
        public let headers: [(String, String)]
        public let body: [UInt8]
        public var text: String { String(decoding: body, as: UTF8.self) }
        public func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
        /// The JSON part (all of it unless the answer is binary).
        public var json: [String: Any] {
            let end = header(HTTPInferenceCodec.headerLengthField).flatMap(Int.init) ?? body.count
            return (try? JSONSerialization.jsonObject(with: Data(body[0..<end]))) as? [String: Any] ?? [:]
        }
    }

    public static func get(_ path: String, via http: HTTPClient, base: String) async throws -> Answer {
        try await send(HTTPClientRequest(url: base + path), via: http)
    }

    /// `POST /v2/models/{model}/infer` with a JSON body.
    public static func infer(model: String, json: String, via http: HTTPClient, base: String,
                             headers: [(String, String)] = []) async throws -> Answer {
        try await infer(model: model, body: Array(json.utf8), headerLength: nil, via: http, base: base, headers: headers)
    }

    /// Texts as tritonclient sends them: the binary tensor data extension, answer asked for binary.
    public static func inferBinary(model: String, texts: [String], via http: HTTPClient, base: String) async throws -> Answer {
        let raw = RawBytes.encode(texts.map { Array($0.utf8) })
        let header = #"{"inputs":[{"name":"TEXT","shape":[\#(texts.count),1],"datatype":"BYTES","parameters":{"binary_data_size":\#(raw.count)}}],"outputs":[{"name":"LABEL","parameters":{"binary_data":true}}]}"#
        return try await infer(model: model, body: Array(header.utf8) + raw, headerLength: header.utf8.count, via: http, base: base)
    }

    static func infer(model: String, body: [UInt8], headerLength: Int?, via http: HTTPClient, base: String,
                      headers: [(String, String)] = []) async throws -> Answer {
        var request = HTTPClientRequest(url: "\(base)/v2/models/\(model)/infer")
        request.method = .POST
        if let headerLength {
            request.headers.add(name: HTTPInferenceCodec.headerLengthField, value: "\(headerLength)")
            request.headers.add(name: "Content-Type", value: "application/octet-stream")
        } else {
            request.headers.add(name: "Content-Type", value: "application/json")
        }
        for (k, v) in headers { request.headers.add(name: k, value: v) }
        request.body = .bytes(ByteBuffer(bytes: body))
        return try await send(request, via: http)
    }

    static func send(_ request: HTTPClientRequest, via http: HTTPClient) async throws -> Answer {
        let response = try await http.execute(request, timeout: .seconds(120))
        let body = try await response.body.collect(upTo: 1 << 24)
        return Answer(status: response.status.code, headers: response.headers.map { ($0.name, $0.value) }, body: Array(buffer: body))
    }

    /// The BYTES elements of a binary answer's output.
    public static func binaryTexts(_ answer: Answer) -> [String]? {
        guard let end = answer.header(HTTPInferenceCodec.headerLengthField).flatMap(Int.init), end <= answer.body.count else { return nil }
        return RawBytes.decode(Array(answer.body[end...]))?.map { String(decoding: $0, as: UTF8.self) }
    }
}
