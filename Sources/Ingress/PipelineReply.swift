import HTTPTypes
import Hummingbird
import NIOCore

/// A finished answer: status, content type, body, and any other header.
struct PipelineReply: Sendable {
    var status: HTTPResponse.Status
    var body: ByteBuffer
    var contentType = "application/json"
    var headers = HTTPFields()

    init(_ status: HTTPResponse.Status, body: ByteBuffer, contentType: String = "application/json", headers: HTTPFields = [:]) {
        self.status = status
        self.body = body
        self.contentType = contentType
        self.headers = headers
    }
}

extension PipelineReply {
    /// The same answer from a route on Hummingbird's router.
    var response: Response {
        var fields = headers
        fields[.contentType] = contentType
        return Response(status: status, headers: fields, body: .init(byteBuffer: body))
    }
}
