public import AsyncHTTPClient
import Synchronization
public import Logging
import NIOCore
import NIOHTTP1
public import OpenAIWire

/// A model served by other OpenAI-compatible servers: each request goes to the target its
/// pool picks (`balance`: least outstanding, round robin, prefix affinity or failover order),
/// with the model name rewritten both ways.
///
/// Failover: a connection failure before any response (refused, reset, DNS, TLS, connect
/// timeout) is retried once on the same target after ~200 ms, then the next target the pool
/// picks is tried; so is a 502/503/504 status. Both count towards ejecting the target. When every target failed the request fails with 502
/// `upstream_unavailable`, naming the hosts (never a key).
public final class UpstreamBackend: Sendable {
    /// The id clients use for this model; every reply shows it as `model`.
    public let publicName: String
    public let targets: [UpstreamTarget]
    let httpClient: HTTPClient
    let logger: Logger
    /// `responses:` from the configuration; `nil` until probed.
    let responsesSetting: ResponsesMode?
    /// What the probe found (the first `/v1/responses` request to the model runs it once).
    let probedResponses = Mutex<ResponsesMode?>(nil)
    /// Picks the target of each attempt (`balance`), counts what is in flight, ejects failing targets.
    public let pool: UpstreamPool
    /// Each target's plain-HTTP address, for the direct exchange (`nil`: HTTPS or another kind).
    let endpoints: [UpstreamEndpoint?]

    /// Largest non-streamed reply read (a chat completion is a few KiB).
    static let maxReplyBytes = 32 << 20
    /// Largest error body read for its message.
    static let maxErrorBytes = 64 << 10
    /// How long connecting to a target may take (the HTTP client's and the direct exchange's).
    public static let defaultConnectTimeout: Duration = .seconds(5)
    /// Pause before the one retry on the same target.
    static let retryDelay: Duration = .milliseconds(200)

    /// - Parameters:
    ///   - targets: the pool's targets (`pool.balance` orders them; `failover` tries them in this order).
    ///   - httpClient: shared; for quick failover configure it as `UpstreamBackend.httpClientConfiguration()` does.
    /// - Parameter responses: how it serves `/v1/responses` (`nil`: detected with a probe request).
    public init(
        publicName: String, targets: [UpstreamTarget], httpClient: HTTPClient, logger: Logger, responses: ResponsesMode? = nil,
        pool: UpstreamPoolSettings? = nil
    ) {
        self.pool = UpstreamPool(
            modelName: publicName, targets: targets, settings: pool ?? .defaults(targetCount: targets.count), logger: logger)
        self.publicName = publicName
        self.targets = targets
        self.endpoints = targets.map { UpstreamEndpoint(baseURL: $0.baseURL) }
        self.httpClient = httpClient
        self.logger = logger
        self.responsesSetting = responses
    }

    /// A client configuration that suits upstreams: a refused connection fails at once (so the
    /// next target is tried) instead of being retried until the connect timeout, connecting
    /// gives up after `connectTimeout`, up to 1024 connections a host, no read timeout (each target's `timeout` governs
    /// silences), no redirects.
    public static func httpClientConfiguration(connectTimeout: Duration = defaultConnectTimeout) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: timeAmount(connectTimeout), read: nil)
        configuration.connectionPool.retryConnectionEstablishment = false
        // One connection per request in flight (HTTP/1 streams): the client's default of 8 per
        // host would queue the 9th request behind the connect timeout and fail it over, while
        // an inference server takes hundreds at once (`max_concurrency` is the limit to set).
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 1024
        configuration.redirectConfiguration = .disallow
        // No tracer is bootstrapped; the default no-op one still built a span and its
        // attributes for every request (2 % of the gateway's CPU at 64 connections).
        configuration.tracing.tracer = nil
        return configuration
    }

    /// Forwards one request.
    /// - Parameters:
    ///   - path: "chat/completions", "completions" or "responses", appended to each target's base URL.
    ///   - body: the client's JSON object; its `model` is replaced by the target's model and,
    ///     when streaming, `stream_options.include_usage` is forced on (the usage-only chunk is
    ///     then reported as `.usage` but not yielded as a chunk unless the client asked for it).
    ///   - text: `body` as the client sent it, when at hand: forwarded with only `model`,
    ///     `stream` and `stream_options` rewritten in place instead of re-encoding the whole body.
    ///   - stream: whether to stream; sets the body's `stream`.
    ///   - requestID: sent as `x-request-id`.
    /// - Throws: `FleetError.upstream` with the upstream's error (status, message, type, param,
    ///   code kept, model name rewritten), 502 `upstream_auth_failed` for an upstream 401/403,
    ///   502 `upstream_unavailable` when no target answered, 503 `upstream_busy` when every target
    ///   it could still try is at its `max_concurrency`, 502 `upstream_bad_response` for a
    ///   reply that is not JSON, 502 `upstream_disconnected` when a reply broke off, and 499
    ///   `request_cancelled` when the calling task was cancelled.
    public func send(
        path: String, body: JSONObject, text: JSONObjectText? = nil, stream: Bool, requestID: String
    ) async throws(FleetError) -> UpstreamReply {
        let wantsUsage = body["stream_options"]?["include_usage"]?.boolValue ?? false
        let prefix = pool.prefix(of: body)
        var tried: Set<Int> = []
        var failures: [String] = []
        while true {
            let lease: UpstreamTargetLease
            switch pool.acquire(prefix: prefix, excluding: tried) {
            case .target(let acquired): lease = acquired
            case .busy: throw .upstream(busy(failures))
            case .exhausted: throw .upstream(unavailable(failures))
            }
            tried.insert(lease.index)
            let target = targets[lease.index]
            let translator = UpstreamTranslator(publicName: publicName, target: target)
            let bytes: ByteBuffer = if let text {
                ByteBuffer(bytes: translator.requestText(text, body: body, stream: stream, path: path))
            } else {
                ByteBuffer(string: JSONValue.object(translator.requestBody(body, stream: stream, path: path)).jsonString)
            }
            var attempt = 1
            attempts: while true {
                guard !Task.isCancelled else {
                    lease.finish(.neutral)
                    throw Self.cancelled
                }
                let response: UpstreamAnswer
                do {
                    if stream {
                        let request = makeRequest(target: target, path: path, body: bytes, stream: stream, requestID: requestID)
                        response = .head(try await httpClient.execute(request, timeout: Self.timeAmount(target.timeout)))
                    } else {
                        response = .whole(
                            try await collect(path: path, body: bytes, target: target, translator: translator, requestID: requestID))
                    }
                } catch let error as FleetError {
                    // Cancelled, or a 2xx reply that broke off: nothing to retry.
                    lease.finish(Self.outcome(of: error))
                    throw error
                } catch {
                    let failure = Task.isCancelled ? .cancelled : UpstreamFailure(classifying: error)
                    let action = Self.retryPolicy.action(after: .failed(failure), attempt: attempt)
                    if action == .cancel {
                        lease.finish(.neutral)
                        throw Self.cancelled
                    }
                    let reason = translator.scrub(failure.reason(timeout: target.timeout))
                    logger.warning(
                        action == .tryNextTarget ? "upstream request failed" : "upstream request failed; retrying",
                        metadata: logMetadata(requestID: requestID, translator: translator, reason: reason))
                    if case .retrySameTarget(let delay) = action {
                        attempt += 1
                        try? await Task.sleep(for: delay)
                        continue attempts
                    }
                    lease.finish(.failure)
                    failures.append("\(translator.host) (\(reason))")
                    break attempts
                }
                lease.responded()
                let status = response.status
                switch Self.retryPolicy.action(after: .answered(status: status), attempt: attempt) {
                case .relay:
                    logger.debug("upstream answered", metadata: logMetadata(requestID: requestID, translator: translator, status: status))
                    let reply: UpstreamReply
                    do throws(FleetError) {
                        switch response {
                        case .head(let head):
                            reply = try await streamReply(
                                head, target: target, translator: translator, wantsUsage: wantsUsage, requestID: requestID, lease: lease)
                        case .whole(let whole):
                            reply = try completeReply(whole, translator: translator)
                            lease.finish(.success)
                        }
                    } catch {
                        lease.finish(Self.outcome(of: error))
                        throw error
                    }
                    guard case .stream(let events) = reply else { return reply }
                    do {
                        return .stream(try await events.readingFirstEvent())
                    } catch let error as FleetError where Self.outcome(of: error) == .failure {
                        // Broke off (or fell silent) before its first event: nothing reached the
                        // client yet, so the next target may still answer it.
                        lease.finish(.failure)
                        failures.append(noteUnavailable(
                            "HTTP \(status), then the stream broke off before its first event", translator: translator, requestID: requestID))
                        break attempts
                    } catch let error as FleetError {
                        lease.finish(Self.outcome(of: error))
                        throw error
                    } catch {
                        lease.finish(.neutral)
                        throw Self.cancelled
                    }
                case .tryNextTarget, .retrySameTarget:
                    _ = await errorBody(of: response, target: target)
                    lease.finish(.failure)
                    failures.append(noteUnavailable("HTTP \(status)", translator: translator, requestID: requestID))
                    break attempts
                case .cancel:
                    lease.finish(.neutral)
                    throw Self.cancelled
                case .passOnError:
                    let errorBody = await errorBody(of: response, target: target)
                    lease.finish(status >= 500 ? .failure : .success)
                    var error = translator.error(status: status, body: errorBody)
                    // A provider's rate limit: pass on when it said to come back, for the client's SDK to wait that long.
                    error.retryAfterMilliseconds = Self.retryAfterMilliseconds(response.headers)
                    logger.info(
                        "upstream refused the request",
                        metadata: logMetadata(requestID: requestID, translator: translator, status: status, reason: error.code ?? error.type))
                    throw .upstream(error)
                }
            }
        }
    }

    func makeRequest(target: UpstreamTarget, path: String, body: ByteBuffer, stream: Bool, requestID: String) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: target.url(for: path))
        request.method = .POST
        request.headers = requestHeaders(target: target, json: true, stream: stream, requestID: requestID)
        request.body = .bytes(body)
        return request
    }

    /// Every target the request could still try is at its `max_concurrency`: 503 with
    /// `retry-after`, which the OpenAI SDKs honour with a retry.
    func busy(_ failures: [String]) -> OpenAIError {
        let tried = failures.isEmpty ? "" : " (failed: \(failures.joined(separator: ", ")))"
        return OpenAIError(
            status: 503, message: "Every upstream server for model '\(publicName)' is at its max_concurrency\(tried). Retry shortly.",
            type: "server_error", code: "upstream_busy", retryAfterMilliseconds: 1000)
    }

    /// What a failed reply says about its target's health.
    /// Logs a target that answered but could not serve, and returns its entry for the 502's list.
    func noteUnavailable(_ reason: String, translator: UpstreamTranslator, requestID: String) -> String {
        logger.warning("upstream unavailable", metadata: logMetadata(requestID: requestID, translator: translator, reason: reason))
        return "\(translator.host) (\(reason))"
    }

    static func outcome(of error: FleetError) -> UpstreamPoolState.Outcome {
        guard case .upstream(let error) = error else { return .neutral }
        if error.status == 499 { return .neutral }
        return error.status >= 500 ? .failure : .success
    }

    func unavailable(_ failures: [String]) -> OpenAIError {
        let tried = failures.isEmpty ? "no upstream is configured" : failures.joined(separator: ", ")
        return OpenAIError(
            status: 502, message: "No upstream server for model '\(publicName)' could serve the request: \(tried).",
            type: "server_error", code: "upstream_unavailable")
    }

    func logMetadata(requestID: String, translator: UpstreamTranslator, status: Int? = nil, reason: String? = nil) -> Logger.Metadata {
        var metadata: Logger.Metadata = [
            "request.id": .string(requestID), "model": .string(publicName), "upstream.host": .string(translator.host),
        ]
        if let status { metadata["upstream.status"] = .stringConvertible(status) }
        if let reason { metadata["upstream.reason"] = .string(reason) }
        return metadata
    }

    static let cancelled = FleetError.upstream(
        OpenAIError(status: 499, message: "The request was cancelled.", type: "server_error", code: "request_cancelled"))

    /// When to retry and move on (see `UpstreamRetryPolicy`).
    static let retryPolicy = UpstreamRetryPolicy(retriesPerTarget: 1, retryDelay: retryDelay)

    /// A short reason for messages and logs, from the error's type (see `UpstreamFailure`).
    static func describe(_ error: any Error, timeout: Duration) -> String {
        UpstreamFailure(classifying: error).reason(timeout: timeout)
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        let limit = Int64.max / 1_000_000_000 - 1
        return .nanoseconds(min(max(seconds, 0), limit) * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    static func seconds(_ duration: Duration) -> String {
        let value = duration.inSeconds
        return value == value.rounded() ? String(Int(value)) : String((value * 10).rounded() / 10)
    }
}
