import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import OpenAIWire
import Synchronization

/// One request a fake upstream received.
struct FakeUpstreamRequest: Sendable {
    var path: String
    /// Header names lowercased.
    var headers: [String: String]
    var body: JSONValue
}

/// Every request a fake upstream received, in order.
final class FakeUpstreamRequestLog: Sendable {
    private let recorded = Mutex<[FakeUpstreamRequest]>([])

    func append(_ request: FakeUpstreamRequest) {
        recorded.withLock { $0.append(request) }
    }

    var all: [FakeUpstreamRequest] { recorded.withLock { $0 } }
}

/// An OpenAI-compatible server in this process, on a free loopback port, answering with a
/// handler the test gives. It records every request.
struct FakeUpstream: Sendable {
    typealias Handler = @Sendable (FakeUpstreamRequest) async throws -> Response

    let port: Int
    let log: FakeUpstreamRequestLog

    var baseURL: String { "http://127.0.0.1:\(port)/v1" }
    var requests: [FakeUpstreamRequest] { log.all }

    /// Runs a fake upstream for the duration of `body`, then stops it.
    static func run<T: Sendable>(
        _ handler: @escaping Handler, _ body: @Sendable (FakeUpstream) async throws -> T
    ) async throws -> T {
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let log = FakeUpstreamRequestLog()
        let router = Router()
        for path in ["/v1/chat/completions", "/v1/completions"] {
            router.post(RouterPath(path)) { request, _ -> Response in
                let bytes = try await request.body.collect(upTo: 1 << 20)
                var headers: [String: String] = [:]
                for field in request.headers { headers[field.name.canonicalName] = field.value }
                let recorded = FakeUpstreamRequest(
                    path: request.uri.path, headers: headers, body: (try? JSONValue.parse(Array(bytes.readableBytesView))) ?? .null)
                log.append(recorded)
                return try await handler(recorded)
            }
        }
        var logger = Logger(label: "fake-upstream")
        logger.logLevel = .critical
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await app.run()
                return nil
            }
            defer { group.cancelAll() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next(), port > 0 else { throw FakeUpstreamError("the fake upstream did not start") }
            return try await body(FakeUpstream(port: port, log: log))
        }
    }
}

struct FakeUpstreamError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

// MARK: Responses

extension Response {
    static func upstreamJSON(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: value.jsonString)))
    }

    static func upstreamText(_ text: String, status: HTTPResponse.Status, contentType: String = "text/html") -> Response {
        Response(status: status, headers: [.contentType: contentType], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// A `text/event-stream` response whose body `write` produces.
    static func upstreamEvents(_ write: @escaping @Sendable (inout any ResponseBodyWriter) async throws -> Void) -> Response {
        Response(
            status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
            body: ResponseBody { writer in
                try await write(&writer)
                try await writer.finish(nil)
            })
    }
}

extension ResponseBodyWriter {
    mutating func writeSSE(_ text: String) async throws {
        try await write(ByteBuffer(string: text))
    }

    mutating func writeSSE(event value: JSONValue) async throws {
        try await write(ByteBuffer(string: ServerSentEvents.event(value)))
    }
}
