import Fleet
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import OpenAIWire
import Server
import Testing

/// Runs `test` against the real application over a fake backend.
func withServer(
    _ backend: FakeBackend = FakeBackend(), configuration: ServerConfiguration = ServerConfiguration(port: 0),
    metrics: ServerMetrics = ServerMetrics(), setup: TestingSetup = .router,
    _ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void
) async throws {
    var logger = Logger(label: "server-tests")
    logger.logLevel = .warning
    let app = SwitchyardApplication.build(
        configuration: configuration, catalogue: ModelCatalogue([backend]), metrics: metrics, logger: logger)
    try await app.test(setup, test)
}

extension TestClientProtocol {
    func post(_ path: String, _ json: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        headers[.contentType] = "application/json"
        return try await execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: json))
    }

    func get(_ path: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        try await execute(uri: path, method: .get, headers: headers)
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    var json: JSONValue {
        get throws { try JSONValue.parse(text) }
    }

    /// The SSE payloads of a streamed body, parsed (`[DONE]` left out).
    var events: [JSONValue] {
        get throws { try ServerSentEvents.payloads(in: text).filter { $0 != "[DONE]" }.map { try JSONValue.parse($0) } }
    }

    func header(_ name: String) -> String? {
        HTTPField.Name(name).flatMap { headers[$0] }
    }

    /// Checks the OpenAI error shape and returns the error object.
    func expectError(status: HTTPResponse.Status, code: String?, param: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> JSONValue {
        #expect(self.status == status, "body: \(text)", sourceLocation: sourceLocation)
        let error = try #require(try json["error"], sourceLocation: sourceLocation)
        #expect(error["message"]?.stringValue?.isEmpty == false, sourceLocation: sourceLocation)
        #expect(error["type"]?.stringValue != nil, sourceLocation: sourceLocation)
        #expect(error["code"] == (code.map(JSONValue.string) ?? .null), sourceLocation: sourceLocation)
        if let param { #expect(error["param"] == .string(param), sourceLocation: sourceLocation) }
        #expect(header("x-request-id") != nil, sourceLocation: sourceLocation)
        return error
    }
}

let chatBody = #"{"model":"fake-model","messages":[{"role":"user","content":"Hi"}]}"#

extension JSONValue {
    /// Array element access for tests; `nil` when out of range or not an array.
    subscript(index: Int) -> JSONValue? {
        guard let array = arrayValue, array.indices.contains(index) else { return nil }
        return array[index]
    }
}
