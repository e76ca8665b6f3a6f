import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// Non-streamed exchanges: the request goes out and the whole reply comes back in one wake-up
/// of the calling task (see `UpstreamBodyCollector`).
extension UpstreamBackend {
    /// Sends `body` to `path` of `target` and reads the whole reply: up to `maxReplyBytes` of a
    /// 2xx (more is reported as `truncated`), up to `maxErrorBytes` of an error. Nothing arriving
    /// for the target's `timeout` ends it: before the head as async-http-client's
    /// `deadlineExceeded` (the same failure its own deadline gives), after it as below.
    /// The connection is preferably one on the caller's event loop, when it runs on one
    /// (async-http-client's `indifferent` preference).
    /// - Throws: before the head, the client's own error (see `UpstreamFailure`); `cancelled` when
    ///   the calling task was cancelled; after a 2xx head, 502 `upstream_disconnected`. An error
    ///   status whose body broke off returns what arrived of it.
    func collect(
        method: HTTPMethod = .POST, path: String, body: ByteBuffer?, target: UpstreamTarget, translator: UpstreamTranslator,
        requestID: String
    ) async throws -> UpstreamCollectedReply {
        let collector = UpstreamBodyCollector(
            replyLimit: Self.maxReplyBytes, errorLimit: Self.maxErrorBytes, silenceLimit: Self.timeAmount(target.timeout))
        do {
            let request = try HTTPClient.Request(
                url: target.url(for: path), method: method,
                headers: requestHeaders(target: target, json: body != nil, stream: false, requestID: requestID),
                body: body.map { .byteBuffer($0) })
            let task = httpClient.execute(request: request, delegate: collector, eventLoop: .indifferent)
            collector.watch(task)
            return try await withTaskCancellationHandler {
                try await task.futureResult.get()
            } onCancel: {
                task.cancel()
            }
        } catch {
            if Task.isCancelled { throw Self.cancelled }
            return try Self.collectedReply(after: error, collected: collector.collected, target: target, translator: translator)
        }
    }

    /// What a whole-reply exchange that ended with `error` amounts to, given what was `collected`
    /// before it: the reply itself when the limit was reached or an error status broke off;
    /// before the head, the error (a silence as async-http-client's `deadlineExceeded`); after a
    /// 2xx head, 502 `upstream_disconnected`.
    static func collectedReply(
        after error: any Error, collected: UpstreamCollectedReply?, target: UpstreamTarget, translator: UpstreamTranslator
    ) throws -> UpstreamCollectedReply {
        if case UpstreamBodyCollector.Stop.enough = error, let collected { return collected }
        guard let collected else {
            if case UpstreamBodyCollector.Stop.silence = error { throw HTTPClientError.deadlineExceeded }
            throw error
        }
        if !(200..<300).contains(collected.status) { return collected }
        if case UpstreamBodyCollector.Stop.silence = error {
            throw FleetError.upstream(translator.disconnected("sent nothing for \(Self.seconds(target.timeout)) s"))
        }
        throw FleetError.upstream(translator.disconnected("broke off the reply (\(Self.describe(error, timeout: target.timeout)))"))
    }

    /// The headers of every request to an upstream.
    func requestHeaders(target: UpstreamTarget, json: Bool, stream: Bool, requestID: String) -> HTTPHeaders {
        var headers = HTTPHeaders()
        if json { headers.add(name: "Content-Type", value: "application/json") }
        headers.add(name: "Accept", value: stream ? "text/event-stream" : "application/json")
        headers.add(name: "User-Agent", value: "switchyard")
        headers.add(name: "x-request-id", value: requestID)
        if let apiKey = target.apiKey, !apiKey.isEmpty {
            headers.add(name: "Authorization", value: "Bearer \(apiKey)")
        }
        return headers
    }
}

/// What one attempt got back: a streamed request's head (its body read as the client takes
/// it), or a non-streamed request's whole reply.
enum UpstreamAnswer {
    case head(HTTPClientResponse)
    case whole(UpstreamCollectedReply)

    var status: Int {
        switch self {
        case .head(let response): Int(response.status.code)
        case .whole(let reply): reply.status
        }
    }

    var headers: HTTPHeaders {
        switch self {
        case .head(let response): response.headers
        case .whole(let reply): reply.headers
        }
    }
}

extension UpstreamBackend {
    /// An error reply's body, for its message.
    func errorBody(of answer: UpstreamAnswer, target: UpstreamTarget) async -> [UInt8] {
        switch answer {
        case .head(let response): await readErrorBody(response, target: target)
        case .whole(let reply): reply.bytes
        }
    }
}
