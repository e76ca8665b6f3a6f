import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OpenAIWire

/// The one streamed request every serve-bench measurement makes.
extension ServeBenchCommand {
    struct TimedStream: Sendable {
        var start: ContinuousClock.Instant
        /// When each buffer with generated content arrived.
        var arrivals: [ContinuousClock.Instant]
        /// When the body ended.
        var end: ContinuousClock.Instant
        var promptTokens: Int
        var completionTokens: Int
        /// The long request of `--long-prompt`, not one of the decoding streams.
        var long: Bool
    }

    /// The client of every measured stream. async-http-client's shared client keeps at most 8
    /// connections a host and queues the other requests (which then time out waiting under load):
    /// a level above 8 streams measured 8 at a time.
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 1024
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    /// One streamed chat completion (`ignore_eos`; greedy, or at temperature 0.8 / top_p 0.95),
    /// timing each buffer that carried generated content; `onFirst` runs when the first arrives
    /// (or at the end, if none did). Token counts come from the usage chunk.
    func timedStream(
        url: String, messages: JSONValue, maxTokens: Int, sampled: Bool = false, long: Bool = false,
        onFirst: @Sendable () async -> Void = {}
    ) async throws -> TimedStream {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        // A connection per stream: llama-server (cpp-httplib) left a reused keep-alive
        // connection's next request unanswered, which hung the run.
        request.headers.add(name: "Connection", value: "close")
        var body = JSONObject([
            "model": "bench", "messages": messages, "max_tokens": .int(maxTokens), "temperature": 0, "ignore_eos": true,
            "stream": true, "stream_options": ["include_usage": true],
        ])
        if sampled {
            body["temperature"] = 0.8
            body["top_p"] = 0.95
        }
        request.body = .bytes(ByteBuffer(string: JSONValue.object(body).jsonString))
        let start = ContinuousClock.now
        let response = try await Self.client.execute(request, timeout: .seconds(600))
        guard response.status == .ok else { throw BenchError("the server answered \(response.status)") }
        var arrivals: [ContinuousClock.Instant] = []
        var text = ""
        for try await buffer in response.body {
            let piece = String(buffer: buffer)
            text += piece
            if Self.carriesContent(piece) {
                arrivals.append(.now)
                if arrivals.count == 1 { await onFirst() }
            }
        }
        let end = ContinuousClock.now
        if arrivals.isEmpty { await onFirst() }
        let usage = ServerSentEvents.payloads(in: text).compactMap { try? JSONValue.parse($0) }.compactMap { $0["usage"] }
            .last { $0["completion_tokens"] != nil }
        return TimedStream(
            start: start, arrivals: arrivals, end: end, promptTokens: usage?["prompt_tokens"]?.intValue ?? 0,
            completionTokens: usage?["completion_tokens"]?.intValue ?? 0, long: long)
    }

    /// Whether SSE text holds a non-empty `"content"` string (not the role chunk's empty one).
    static func carriesContent(_ text: String) -> Bool {
        let marker = "\"content\":\""
        var rest = text[...]
        while let found = rest.range(of: marker) {
            if found.upperBound < rest.endIndex, rest[found.upperBound] != "\"" { return true }
            rest = rest[found.upperBound...]
        }
        return false
    }
}
