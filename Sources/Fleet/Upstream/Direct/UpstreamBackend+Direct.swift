import AsyncHTTPClient
import Logging
public import NIOCore
import NIOHTTP1
public import OpenAIWire

extension UpstreamBackend {
    /// Whether chat and completions requests can go over the direct exchange: every target is
    /// plain HTTP (`UpstreamEndpoint`). The gateway's fast path serves only such models.
    public var servesDirectly: Bool { endpoints.allSatisfy { $0 != nil } }

    /// `send(path:body:text:stream:requestID:)` on `loop`, without a task or async-http-client:
    /// the request goes over a pooled keep-alive connection of that loop (`UpstreamConnectionPool`)
    /// and the attempts follow the same rules (`UpstreamRetryPolicy`, the pool's leases and
    /// outcomes, a stream that breaks off before its first event tried elsewhere, the same
    /// errors). Call on `loop`, only when `servesDirectly`.
    /// - Returns: the exchange; its `future` succeeds with the whole reply or the opened stream,
    ///   or fails with `FleetError.upstream`.
    public func sendDirect(
        path: String, body: JSONObject, text: JSONObjectText, stream: Bool, requestID: String, on loop: any EventLoop
    ) -> UpstreamDirectSend {
        let send = UpstreamDirectSend(
            backend: self, path: path, body: body, text: text, stream: stream, requestID: requestID, loop: loop)
        send.nextTarget()
        return send
    }
}

/// What a direct exchange got back: the whole reply, or a stream whose first event was read.
public enum UpstreamDirectReply {
    case complete(JSONValue, usage: UpstreamUsage?, text: [UInt8]?)
    case stream(UpstreamDirectStream)
}

/// One request sent directly (see `UpstreamBackend.sendDirect`): its attempts, on one event
/// loop. Touched only on that loop.
public final class UpstreamDirectSend {
    private let backend: UpstreamBackend
    private let path: String
    private let body: JSONObject
    private let text: JSONObjectText
    private let stream: Bool
    private let requestID: String
    private let loop: any EventLoop
    private let promise: EventLoopPromise<UpstreamDirectReply>
    private let prefix: PromptPrefix?
    private var tried: Set<Int> = []
    private var failures: [String] = []
    private var reader: (any UpstreamAttemptReader)?
    private var retry: Scheduled<Void>?
    private var lease: UpstreamTargetLease?
    /// The client left, or the promise is completed: nothing more happens.
    private var cancelled = false

    /// The reply, or the request's error.
    public var future: EventLoopFuture<UpstreamDirectReply> { promise.futureResult }

    init(
        backend: UpstreamBackend, path: String, body: JSONObject, text: JSONObjectText, stream: Bool, requestID: String,
        loop: any EventLoop
    ) {
        self.backend = backend
        self.path = path
        self.body = body
        self.text = text
        self.stream = stream
        self.requestID = requestID
        self.loop = loop
        self.promise = loop.makePromise()
        self.prefix = backend.pool.prefix(of: body)
    }

    /// The client left: the exchange in flight is abandoned (its connection closed) and the
    /// request fails as cancelled (499), its target's slot given back as neither success nor failure.
    public func cancel() {
        guard !cancelled else { return }
        retry?.cancel()
        retry = nil
        lease?.finish(.neutral)
        lease = nil
        let reader = self.reader
        self.reader = nil
        fail(UpstreamBackend.cancelled)
        reader?.stop(CancellationError())
    }

    fileprivate func nextTarget() {
        guard !cancelled else { return }
        let acquired: UpstreamTargetLease
        switch backend.pool.acquire(prefix: prefix, excluding: tried) {
        case .target(let lease): acquired = lease
        case .busy: return fail(.upstream(backend.busy(failures)))
        case .exhausted: return fail(.upstream(backend.unavailable(failures)))
        }
        tried.insert(acquired.index)
        lease = acquired
        let target = backend.targets[acquired.index]
        let translator = UpstreamTranslator(publicName: backend.publicName, target: target)
        let bytes = ByteBuffer(bytes: translator.requestText(text, body: body, stream: stream, path: path))
        attempt(1, target: target, endpoint: backend.endpoints[acquired.index], translator: translator, bytes: bytes)
    }

    private func attempt(
        _ attempt: Int, target: UpstreamTarget, endpoint: UpstreamEndpoint?, translator: UpstreamTranslator, bytes: ByteBuffer
    ) {
        guard !cancelled, let lease else { return }
        guard let endpoint else {
            // Not a plain-HTTP target (`servesDirectly` was not checked): as an invalid URL.
            return failed(HTTPClientError.invalidURL, attempt: attempt, target: target, translator: translator, bytes: bytes, lease: lease)
        }
        let readWhole: UpstreamWholeReplyReader.Completion = { [self] result, collected in
            self.reader = nil
            guard !cancelled else { return }
            let whole: UpstreamCollectedReply
            do {
                whole = try result.get()
            } catch {
                do {
                    whole = try UpstreamBackend.collectedReply(after: error, collected: collected, target: target, translator: translator)
                } catch let error as FleetError {
                    // A 2xx reply that broke off: nothing to retry.
                    lease.finish(UpstreamBackend.outcome(of: error))
                    return fail(error)
                } catch {
                    return failed(error, attempt: attempt, target: target, translator: translator, bytes: bytes, lease: lease)
                }
            }
            answered(whole, attempt: attempt, translator: translator, lease: lease)
        }
        let reader: any UpstreamAttemptReader
        if stream {
            let events = UpstreamEventReader(
                translator: translator, wantsUsage: body["stream_options"]?["include_usage"]?.boolValue ?? false,
                timeout: target.timeout, logger: backend.logger, requestID: requestID)
            reader = UpstreamDirectStream(reader: events, errorLimit: UpstreamBackend.maxErrorBytes, loop: loop) { [self] opened in
                switch opened {
                case .whole(let result, let collected): readWhole(result, collected)
                case .stream(let stream):
                    self.reader = nil
                    streamOpened(stream, translator: translator, lease: lease)
                case .brokeOff(let error, let status):
                    self.reader = nil
                    brokeOff(error, status: status, translator: translator, lease: lease)
                }
            }
        } else {
            reader = UpstreamWholeReplyReader(
                replyLimit: UpstreamBackend.maxReplyBytes, errorLimit: UpstreamBackend.maxErrorBytes,
                silenceLimit: UpstreamBackend.timeAmount(target.timeout), loop: loop, done: readWhole)
        }
        self.reader = reader
        let head = requestHead(target: target, endpoint: endpoint, length: bytes.readableBytes)
        let timeout = UpstreamBackend.timeAmount(UpstreamBackend.defaultConnectTimeout)
        UpstreamConnectionPool.of(loop).connection(to: endpoint, connectTimeout: timeout) { result in
            switch result {
            case .success(let connection):
                guard self.reader === reader else {
                    // Cancelled while connecting: the connection goes back unused.
                    connection.pool.giveBack(connection)
                    return
                }
                reader.connection = connection
                connection.start(head: head, body: bytes, delegate: reader)
            case .failure(let error):
                reader.upstreamFailed(error)
            }
        }
    }

    /// No reply: retried on the same target, or the next, as `UpstreamRetryPolicy` says.
    private func failed(
        _ error: any Error, attempt: Int, target: UpstreamTarget, translator: UpstreamTranslator, bytes: ByteBuffer,
        lease: UpstreamTargetLease
    ) {
        let failure = UpstreamFailure(classifying: error)
        let action = UpstreamBackend.retryPolicy.action(after: .failed(failure), attempt: attempt)
        if action == .cancel {
            lease.finish(.neutral)
            return fail(UpstreamBackend.cancelled)
        }
        let reason = translator.scrub(failure.reason(timeout: target.timeout))
        backend.logger.warning(
            action == .tryNextTarget ? "upstream request failed" : "upstream request failed; retrying",
            metadata: backend.logMetadata(requestID: requestID, translator: translator, reason: reason))
        if case .retrySameTarget(let delay) = action {
            let endpoint = backend.endpoints[lease.index]
            retry = loop.assumeIsolated().scheduleTask(in: UpstreamBackend.timeAmount(delay)) {
                self.retry = nil
                self.attempt(attempt + 1, target: target, endpoint: endpoint, translator: translator, bytes: bytes)
            }
            return
        }
        lease.finish(.failure)
        self.lease = nil
        failures.append("\(translator.host) (\(reason))")
        nextTarget()
    }

    /// A stream's first event arrived: it goes to the caller, holding the target's slot until its end.
    private func streamOpened(_ stream: UpstreamDirectStream, translator: UpstreamTranslator, lease: UpstreamTargetLease) {
        guard !cancelled else { return stream.cancel() }
        lease.responded()
        backend.logger.debug(
            "upstream answered", metadata: backend.logMetadata(requestID: requestID, translator: translator, status: stream.streamStatus))
        stream.lease = lease
        self.lease = nil
        cancelled = true
        promise.assumeIsolated().succeed(.stream(stream))
    }

    /// A stream broke off (or fell silent) before its first event: nothing reached the client
    /// yet, so the next target may still answer it.
    private func brokeOff(_ error: FleetError, status: Int, translator: UpstreamTranslator, lease: UpstreamTargetLease) {
        guard !cancelled else { return }
        lease.responded()
        let outcome = UpstreamBackend.outcome(of: error)
        guard outcome == .failure else {
            lease.finish(outcome)
            return fail(error)
        }
        lease.finish(.failure)
        self.lease = nil
        failures.append(backend.noteUnavailable(
            "HTTP \(status), then the stream broke off before its first event", translator: translator, requestID: requestID))
        nextTarget()
    }

    /// A whole reply arrived: relayed, passed on as the upstream's error, or the next target tried.
    private func answered(_ whole: UpstreamCollectedReply, attempt: Int, translator: UpstreamTranslator, lease: UpstreamTargetLease) {
        lease.responded()
        let status = whole.status
        switch UpstreamBackend.retryPolicy.action(after: .answered(status: status), attempt: attempt) {
        case .relay:
            backend.logger.debug(
                "upstream answered", metadata: backend.logMetadata(requestID: requestID, translator: translator, status: status))
            do throws(FleetError) {
                // A streamed request answered with something else than a stream: what it says.
                if stream { throw UpstreamBackend.notAStream(whole.headers, bytes: whole.bytes, translator: translator) }
                guard case .complete(let value, let usage, let text) = try backend.completeReply(whole, translator: translator) else {
                    throw .upstream(.serverError("The upstream answered a non-streamed request with a stream.", status: 502))
                }
                lease.finish(.success)
                self.lease = nil
                cancelled = true
                promise.assumeIsolated().succeed(.complete(value, usage: usage, text: text))
            } catch {
                lease.finish(UpstreamBackend.outcome(of: error))
                fail(error)
            }
        case .tryNextTarget, .retrySameTarget:
            lease.finish(.failure)
            self.lease = nil
            failures.append(backend.noteUnavailable("HTTP \(status)", translator: translator, requestID: requestID))
            nextTarget()
        case .cancel:
            lease.finish(.neutral)
            fail(UpstreamBackend.cancelled)
        case .passOnError:
            lease.finish(status >= 500 ? .failure : .success)
            var error = translator.error(status: status, body: whole.bytes)
            error.retryAfterMilliseconds = UpstreamBackend.retryAfterMilliseconds(whole.headers)
            backend.logger.info(
                "upstream refused the request",
                metadata: backend.logMetadata(requestID: requestID, translator: translator, status: status, reason: error.code ?? error.type))
            fail(.upstream(error))
        }
    }

    private func fail(_ error: FleetError) {
        guard !cancelled else { return }
        cancelled = true
        lease = nil
        promise.fail(error)
    }

    private func requestHead(target: UpstreamTarget, endpoint: UpstreamEndpoint, length: Int) -> HTTPRequestHead {
        var headers = backend.requestHeaders(target: target, json: true, stream: stream, requestID: requestID)
        headers.add(name: "Host", value: endpoint.authority)
        headers.add(name: "Content-Length", value: String(length))
        return HTTPRequestHead(version: .http1_1, method: .POST, uri: endpoint.requestPath(path), headers: headers)
    }
}
