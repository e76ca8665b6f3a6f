import AsyncHTTPClient
import Fleet
import Logging
import NIOCore
import NIOPosix
import OpenAIWire
import Testing

/// The upstream key the tests configure; no error message may contain it.
let upstreamKey = "sk-upstream-7f3a9c2e1b-do-not-leak"
let upstreamPublicName = "public-model"

func upstreamTarget(_ baseURL: String, timeout: Duration = .seconds(60)) -> UpstreamTarget {
    UpstreamTarget(baseURL: baseURL, model: UpstreamDocuments.model, apiKey: upstreamKey, timeout: timeout)
}

/// A chat request as a client sends it.
func upstreamChatRequest(stream: Bool = false, includeUsage: Bool? = nil) -> JSONObject {
    var body = JSONObject([
        "model": .string(upstreamPublicName), "messages": [["role": "user", "content": "Hi"]], "max_tokens": 16,
    ])
    if stream { body["stream"] = true }
    if let includeUsage { body["stream_options"] = ["include_usage": .bool(includeUsage)] }
    return body
}

/// Runs `body` with a backend over `targets`, on a client configured as the server would.
func withUpstreamBackend<T: Sendable>(
    _ targets: [UpstreamTarget], logger: Logger? = nil, pool: UpstreamPoolSettings? = nil,
    _ body: @Sendable (UpstreamBackend) async throws -> T
) async throws -> T {
    let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: UpstreamBackend.httpClientConfiguration())
    let logger = logger ?? {
        var logger = Logger(label: "upstream-tests")
        logger.logLevel = .critical
        return logger
    }()
    let backend = UpstreamBackend(publicName: upstreamPublicName, targets: targets, httpClient: client, logger: logger, pool: pool)
    do {
        let result = try await body(backend)
        try await client.shutdown()
        return result
    } catch {
        try? await client.shutdown()
        throw error
    }
}

/// What a stream delivered before it ended or threw.
struct UpstreamStreamOutcome: Sendable {
    var chunks: [JSONValue] = []
    var usage: [UpstreamUsage] = []
    var error: FleetError?
    var otherError: String?

    var upstreamError: OpenAIError? {
        if case .upstream(let error)? = error { return error }
        return nil
    }
}

/// Reads a streamed reply to its end; `onChunk` hears the index of each chunk as it arrives.
func drainUpstreamReply(_ reply: UpstreamReply, onChunk: (Int) -> Void = { _ in }) async -> UpstreamStreamOutcome {
    var outcome = UpstreamStreamOutcome()
    guard case .stream(let events) = reply else {
        outcome.otherError = "not a stream"
        return outcome
    }
    do {
        for try await event in events {
            switch event {
            case .chunk(let chunk):
                outcome.chunks.append(chunk)
                onChunk(outcome.chunks.count - 1)
            case .usage(let usage): outcome.usage.append(usage)
            }
        }
    } catch let error as FleetError {
        outcome.error = error
    } catch {
        outcome.otherError = "\(error)"
    }
    return outcome
}

/// How a non-streamed request reaches the upstream: async-http-client from a task (`send`), or
/// the gateway fast path's direct exchange on an event loop (`sendDirect`). Every rule (retries,
/// failover, timeouts, errors) must hold the same way for both.
enum UpstreamTransport: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case httpClient
    case direct

    var testDescription: String { rawValue }
}

extension UpstreamBackend {
    /// A non-streamed `send` over `transport`; cancelling the calling task cancels a direct send too.
    func send(
        via transport: UpstreamTransport, path: String = "chat/completions", body: JSONObject = upstreamChatRequest(),
        requestID: String = "r"
    ) async throws -> UpstreamReply {
        switch transport {
        case .httpClient:
            return try await send(path: path, body: body, stream: false, requestID: requestID)
        case .direct:
            let bytes = Array(JSONValue.object(body).jsonString.utf8)
            guard let text = JSONObjectText(bytes) else { throw FleetError.modelNotFound("(a body that is not an object)") }
            let loop = MultiThreadedEventLoopGroup.singleton.next()
            let started = try await loop.submit {
                let send = self.sendDirect(path: path, body: body, text: text, stream: false, requestID: requestID, on: loop)
                let whole = send.future.assumeIsolated().flatMapThrowing { reply -> UpstreamReply in
                    guard case .complete(let value, let usage, let text) = reply else {
                        throw FleetError.upstream(.serverError("a non-streamed direct send answered with a stream", status: 502))
                    }
                    return .complete(value, usage: usage, text: text)
                }.nonisolated()
                return (NIOLoopBound(send, eventLoop: loop), whole)
            }.get()
            return try await withTaskCancellationHandler {
                try await started.1.get()
            } onCancel: {
                loop.execute { started.0.value.cancel() }
            }
        }
    }
}

/// The OpenAI error of a failed `send`, or nil when it succeeded.
func upstreamSendFailure(
    _ backend: UpstreamBackend, path: String = "chat/completions", body: JSONObject = upstreamChatRequest(), stream: Bool = false,
    via transport: UpstreamTransport = .httpClient
) async -> OpenAIError? {
    do {
        if stream {
            _ = try await backend.send(path: path, body: body, stream: stream, requestID: "req-failure")
        } else {
            _ = try await backend.send(via: transport, path: path, body: body, requestID: "req-failure")
        }
        return nil
    } catch {
        guard case .upstream(let openAIError)? = error as? FleetError else {
            Issue.record("expected FleetError.upstream, got \(error)")
            return nil
        }
        return openAIError
    }
}

/// The content deltas of chat chunks, in order.
func deltaContents(_ chunks: [JSONValue]) -> [String] {
    chunks.compactMap { chunk in chunk["choices"]?.arrayValue?.first?["delta"]?["content"]?.stringValue }
}
