import HTTPTypes
import Hummingbird
import NIOCore
import OpenAIWire

/// Headers and bodies every JSON response shares.
enum ResponseHeaders {
    /// `x-switchyard-defaulted` and `x-switchyard-ignored`, when there is something to say.
    static func make(defaulted: [String], ignored: [String]) -> HTTPFields {
        var headers = HTTPFields()
        if !defaulted.isEmpty { headers[.defaulted] = defaulted.joined(separator: ", ") }
        if !ignored.isEmpty { headers[.ignored] = ignored.joined(separator: ", ") }
        return headers
    }

    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: value.jsonString)))
    }
}
