import Fleet
import HTTPTypes
import NIOCore
import OpenAIWire

/// One request the fast path serves, on its connection's event loop: sends it upstream
/// (`UpstreamBackend.sendDirect`), relays the whole reply as `UpstreamProxy` does or the stream
/// event by event as it arrives (`UpstreamEventRelay`, the router's rules), maps a failure as the
/// error middleware does, counts it as the metrics middleware does, and ends the response only
/// once its ledger row is committed (`RequestAccounting.finish`): a whole reply is handed over
/// then, a stream's `[DONE]` (or its error event) is written then.
final class FastPathExchange {
    /// A whole response ready to be written (`x-request-id`, `date` and `server` are added by the writer).
    struct Reply {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var body: ByteBuffer
        var requestID: String
    }

    /// What the exchange hands its connection to write.
    enum Output {
        case whole(Reply)
        /// A stream's 200 head (`x-request-id`, `date` and `server` are added by the writer).
        case streamHead(HTTPFields, requestID: String)
        /// Event text, to go out now.
        case streamBody(ByteBuffer)
        /// The stream is complete.
        case streamEnd
    }

    private let admitted: FastPathGate.Admitted
    private let gate: FastPathGate
    private let loop: any EventLoop
    private var output: ((Output) -> Void)?
    private var send: UpstreamDirectSend?
    private var stream: UpstreamDirectStream?

    init(admitted: FastPathGate.Admitted, gate: FastPathGate, loop: any EventLoop, output: @escaping (Output) -> Void) {
        self.admitted = admitted
        self.gate = gate
        self.loop = loop
        self.output = output
    }

    func start() {
        gate.state.metrics.recordFastPath(model: admitted.admission.model.id, stream: admitted.stream)
        let send = admitted.upstream.sendDirect(
            path: admitted.path, body: admitted.body, text: admitted.text, stream: admitted.stream, requestID: admitted.requestID,
            on: loop)
        self.send = send
        send.future.assumeIsolated().whenComplete { result in
            self.send = nil
            switch result {
            case .success(.complete(let value, let usage, let forwarded)):
                let body = UpstreamProxy.relayedBody(
                    value, usage: usage, forwarded: forwarded, accounting: self.admitted.admission.accounting, metrics: self.gate.state.metrics,
                    model: self.admitted.admission.model.id)
                self.finish(status: .ok, headers: [.contentType: "application/json"], body: body)
            case .success(.stream(let stream)):
                self.relay(stream)
            case .failure(let error):
                self.fail(error)
            }
        }
    }

    /// The client's connection can take more (or cannot): the upstream is read (or not).
    func clientWritabilityChanged(writable: Bool) {
        if writable { stream?.resume() } else { stream?.pause() }
    }

    /// The client left: the upstream exchange is abandoned (its connection closed) and the
    /// request ends as cancelled: its ledger row says 499, as the router's does.
    func cancel() {
        output = nil
        if let send {
            self.send = nil
            send.cancel()  // fails the send's future: `fail` writes the row
        } else if let stream {
            self.stream = nil
            stream.cancel()
            admitted.admission.accounting.finish(status: 499) {}
        }
    }

    private func fail(_ error: any Error) {
        let mapped = ErrorMapping.openAIError(for: error)
        ErrorMapping.log(mapped, logger: admitted.admission.accounting.logger)
        let (status, headers, body) = ErrorMapping.parts(for: mapped, retryAfter: ErrorMapping.retryAfter(for: error))
        finish(status: status, headers: headers, body: body)
    }

    /// `headers` with the database key's `x-ratelimit-*` headers, as the router's middleware adds them.
    private func limited(_ headers: HTTPFields) -> HTTPFields {
        guard let key = admitted.admission.accounting.key else { return headers }
        var headers = headers
        RateLimitHeadersMiddleware.add(to: &headers, key: key, limiter: gate.state.accounts.limiter)
        return headers
    }

    /// Writes the ledger row, then hands the response over on the loop.
    private func finish(status: HTTPResponse.Status, headers: HTTPFields, body: ByteBuffer) {
        let admission = admitted.admission
        gate.state.metrics.recordRequest(model: admission.model.id, status: status.code)
        let reply = Reply(status: status, headers: limited(headers), body: body, requestID: admitted.requestID)
        afterLedgerRow(status: status.code) { $0.emit(.whole(reply)) }
    }

    /// Relays a stream whose first event arrived: the head now, each upstream read's events as
    /// they come (the upstream read only while the client can take them), then the ledger row,
    /// then `[DONE]`; a stream that breaks off ends with its error event instead.
    private func relay(_ stream: UpstreamDirectStream) {
        guard output != nil else { return stream.cancel() }
        self.stream = stream
        let admission = admitted.admission
        let metrics = gate.state.metrics
        metrics.recordRequest(model: admission.model.id, status: 200)
        emit(.streamHead(limited(CompletionResponder.streamHeaders()), requestID: admitted.requestID))
        if admission.channel?.isWritable == false { stream.pause() }
        let relay = UpstreamEventRelay(accounting: admission.accounting, metrics: metrics, model: admission.model.id)
        stream.relay(
            events: { batch in
                var text = ByteBuffer()
                for relayed in batch { relay.append(relayed, to: &text) }
                if text.readableBytes > 0 { self.emit(.streamBody(text)) }
            },
            end: { failure in
                self.stream = nil
                // As `CompletionResponder.run` ends a stream: an error after the head is one event.
                let status: Int
                let last: String
                if let failure {
                    let mapped = ErrorMapping.openAIError(for: failure)
                    (status, last) = (mapped.status, ServerSentEvents.event(mapped.body))
                } else {
                    (status, last) = (200, ServerSentEvents.done)
                }
                self.afterLedgerRow(status: status) { exchange in
                    exchange.emit(.streamBody(ByteBuffer(string: last)))
                    exchange.emit(.streamEnd)
                }
            })
    }

    /// Runs `then` on the loop once the request's ledger row is committed.
    private func afterLedgerRow(status: Int, then: @escaping (FastPathExchange) -> Void) {
        let bound = NIOLoopBound((exchange: self, then: then), eventLoop: loop)
        let loop = self.loop
        admitted.admission.accounting.finish(status: status) {
            if loop.inEventLoop {
                bound.value.then(bound.value.exchange)
            } else {
                loop.execute { bound.value.then(bound.value.exchange) }
            }
        }
    }

    private func emit(_ part: Output) {
        guard let output else { return }
        switch part {
        case .whole, .streamEnd: self.output = nil
        case .streamHead, .streamBody: break
        }
        output(part)
    }
}
