import Fleet
import HTTPTypes
import NIOCore
import OpenAIWire

/// One request the fast path serves, on its connection's event loop: sends it upstream
/// (`UpstreamBackend.sendDirect`), relays the whole reply as `UpstreamProxy` does, maps a failure
/// as the error middleware does, counts it as the metrics middleware does, and hands the response
/// over only once its ledger row is committed (`RequestAccounting.finish`).
final class FastPathExchange {
    /// A response ready to be written (`x-request-id`, `date` and `server` are added by the writer).
    struct Reply {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var body: ByteBuffer
        var requestID: String
    }

    private let admitted: FastPathGate.Admitted
    private let gate: FastPathGate
    private let loop: any EventLoop
    private var onReply: ((Reply) -> Void)?
    private var send: UpstreamDirectSend?

    init(admitted: FastPathGate.Admitted, gate: FastPathGate, loop: any EventLoop, onReply: @escaping (Reply) -> Void) {
        self.admitted = admitted
        self.gate = gate
        self.loop = loop
        self.onReply = onReply
    }

    func start() {
        let send = admitted.upstream.sendDirect(
            path: admitted.path, body: admitted.body, text: admitted.text, requestID: admitted.requestID, on: loop)
        self.send = send
        send.future.assumeIsolated().whenComplete { result in
            self.send = nil
            switch result {
            case .success(.complete(let value, let usage, let forwarded)):
                let body = UpstreamProxy.relayedBody(
                    value, usage: usage, forwarded: forwarded, accounting: self.admitted.admission.accounting, metrics: self.gate.state.metrics,
                    model: self.admitted.admission.model.id)
                self.finish(status: .ok, headers: [.contentType: "application/json"], body: body)
            case .success(.stream):
                self.fail(FleetError.upstream(.serverError("The upstream answered a non-streamed request with a stream.", status: 502)))
            case .failure(let error):
                self.fail(error)
            }
        }
    }

    /// The client left: the upstream exchange is abandoned and the request ends as cancelled.
    func cancel() {
        guard let send else { return }
        self.send = nil
        onReply = nil
        send.cancel()
    }

    private func fail(_ error: any Error) {
        let mapped = ErrorMapping.openAIError(for: error)
        ErrorMapping.log(mapped, logger: admitted.admission.accounting.logger)
        let (status, headers, body) = ErrorMapping.parts(for: mapped, retryAfter: ErrorMapping.retryAfter(for: error))
        finish(status: status, headers: headers, body: body)
    }

    /// Writes the ledger row, then hands the response over on the loop.
    private func finish(status: HTTPResponse.Status, headers: HTTPFields, body: ByteBuffer) {
        let admission = admitted.admission
        gate.state.metrics.recordRequest(model: admission.model.id, status: status.code)
        let reply = Reply(status: status, headers: headers, body: body, requestID: admitted.requestID)
        let bound = NIOLoopBound(self, eventLoop: loop)
        let loop = self.loop
        admission.accounting.finish(status: status.code) {
            if loop.inEventLoop {
                bound.value.deliver(reply)
            } else {
                loop.execute { bound.value.deliver(reply) }
            }
        }
    }

    private func deliver(_ reply: Reply) {
        guard let onReply else { return }
        self.onReply = nil
        onReply(reply)
    }
}
