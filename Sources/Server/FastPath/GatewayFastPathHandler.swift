import Fleet
import HTTPTypes
import NIOCore
import NIOHTTPTypes
import OpenAIWire

/// The gateway's fast path: completions for upstream models (see `FastPathGate`) served in the
/// connection's HTTP/1 pipeline, on its event loop, with no task, no router and no
/// async-http-client: the body is forwarded over a pooled keep-alive connection of the same loop
/// (`UpstreamBackend.sendDirect`) and the reply written back when it is whole, or a stream's
/// events as they arrive, the upstream read only while this connection is writable. Every other
/// request (and any request the gate's rules refuse, so its error comes from the one place that
/// makes it) goes on to Hummingbird unchanged.
///
/// Requests on a connection are answered in order: while the router answers one, the next ones go
/// to the router too; while the fast path serves one, the connection is not read further and
/// parts already read wait for it.
final class GatewayFastPathHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private enum Mode {
        case idle
        /// Reading the body of a request the fast path may take.
        case collecting(HTTPRequest, endpoint: String, body: ByteBuffer)
        /// Passing the current request's parts on to the router.
        case passing
        /// Serving a request.
        case serving(FastPathExchange)
    }

    private let gate: FastPathGate
    private var mode = Mode.idle
    /// A request passed on to the router has not been answered in full yet.
    private var routerAnswering = false
    /// Parts read while a request was being served, handled once it is done.
    private var waiting: [HTTPRequestPart] = []
    private var readPending = false
    /// The server is shutting down: the event that closes idle connections waits while a request
    /// is read or served here (Hummingbird's connection state handler behind does not see it).
    private var quiescePending = false
    private var context: ChannelHandlerContext?

    init(gate: FastPathGate) {
        self.gate = gate
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        handle(unwrapInboundIn(data), context: context)
        releaseQuiesce(context: context)
    }

    /// Passes a held shutdown event on once no request is read or served here.
    private func releaseQuiesce(context: ChannelHandlerContext) {
        guard quiescePending else { return }
        switch mode {
        case .collecting, .serving: return
        case .idle, .passing:
            quiescePending = false
            context.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
    }

    private func handle(_ part: HTTPRequestPart, context: ChannelHandlerContext) {
        switch (mode, part) {
        case (.serving, _):
            waiting.append(part)
        case (.idle, .head(let head)):
            if !routerAnswering, let endpoint = gate.endpoint(of: head) {
                mode = .collecting(head, endpoint: endpoint, body: context.channel.allocator.buffer(capacity: 0))
            } else {
                pass(part, context: context)
            }
        case (.collecting(let head, let endpoint, var body), .body(var chunk)):
            mode = .idle  // lets `body` be appended to without a copy
            body.writeBuffer(&chunk)
            if body.readableBytes > gate.state.configuration.maxBodyBytes {
                // Too large: the router refuses it with its 413.
                pass(.head(head), context: context)
                context.fireChannelRead(wrapInboundOut(.body(body)))
            } else {
                mode = .collecting(head, endpoint: endpoint, body: body)
            }
        case (.collecting(let head, let endpoint, let body), .end):
            if let admitted = gate.admit(head: head, endpoint: endpoint, body: body, channel: context.channel) {
                serve(admitted, context: context)
            } else {
                pass(.head(head), context: context)
                if body.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(.body(body))) }
                context.fireChannelRead(wrapInboundOut(part))
                mode = .idle
            }
        case (.collecting(let head, _, let body), .head):
            // Cannot happen (a head before the last request's end); the router sorts it out.
            pass(.head(head), context: context)
            if body.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(.body(body))) }
            pass(part, context: context)
        case (_, .end):
            context.fireChannelRead(wrapInboundOut(part))
            mode = .idle
        default:
            pass(part, context: context)
        }
    }

    /// Hands a part of a request the router answers on to it.
    private func pass(_ part: HTTPRequestPart, context: ChannelHandlerContext) {
        if case .head = part {
            routerAnswering = true
            mode = .passing
        }
        context.fireChannelRead(wrapInboundOut(part))
    }

    private func serve(_ admitted: FastPathGate.Admitted, context: ChannelHandlerContext) {
        let exchange = FastPathExchange(admitted: admitted, gate: gate, loop: context.eventLoop) { [weak self] output in
            self?.respond(output)
        }
        mode = .serving(exchange)
        exchange.start()
    }

    /// Writes (part of) a served request's response; once it is complete, goes on with what was read meanwhile.
    private func respond(_ output: FastPathExchange.Output) {
        guard let context, case .serving = mode else { return }
        switch output {
        case .whole(let response):
            var headers = response.headers
            headers[.contentLength] = String(response.body.readableBytes)
            context.write(wrapOutboundOut(.head(Self.head(response.status, headers, requestID: response.requestID))), promise: nil)
            context.write(wrapOutboundOut(.body(response.body)), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        case .streamHead(let headers, let requestID):
            // No length: the encoder sends the body chunked. Flushed with the first events, which follow at once.
            context.write(wrapOutboundOut(.head(Self.head(.ok, headers, requestID: requestID))), promise: nil)
            return
        case .streamBody(let text):
            context.writeAndFlush(wrapOutboundOut(.body(text)), promise: nil)
            return
        case .streamEnd:
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
        served(context: context)
    }

    private static func head(_ status: HTTPResponse.Status, _ headers: HTTPFields, requestID: String) -> HTTPResponse {
        var head = HTTPResponse(status: status)
        head.headerFields = headers
        head.headerFields[.requestID] = requestID
        head.headerFields[.date] = HTTPDateCache.shared.now
        head.headerFields[.server] = "switchyard"
        return head
    }

    /// The served request's response is written: the parts read meanwhile are handled, reading goes on.
    private func served(context: ChannelHandlerContext) {
        mode = .idle
        let parts = waiting
        waiting = []
        for part in parts { handle(part, context: context) }
        // Parts handed to the router outside a read cycle: its async channel takes them at read complete.
        if !parts.isEmpty { context.fireChannelReadComplete() }
        if readPending {
            if case .serving = mode {} else {
                readPending = false
                context.read()
            }
        }
        releaseQuiesce(context: context)
    }

    func read(context: ChannelHandlerContext) {
        if case .serving = mode {
            readPending = true
        } else {
            context.read()
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { routerAnswering = false }
        context.write(data, promise: promise)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if case .serving(let exchange) = mode { exchange.clientWritabilityChanged(writable: context.channel.isWritable) }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed? = event as? ChannelEvent { clientLeft() }
        if event is ChannelShouldQuiesceEvent {
            quiescePending = true
            return releaseQuiesce(context: context)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        clientLeft()
        context.fireChannelInactive()
    }

    /// The client closed its side or its connection dropped: the request served is cancelled
    /// (its upstream exchange closed, its ledger row written with 499).
    private func clientLeft() {
        guard case .serving(let exchange) = mode else { return }
        mode = .idle
        waiting = []
        exchange.cancel()
    }
}
