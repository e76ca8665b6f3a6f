import NIOCore

/// What the server does on every client connection beside HTTP: turns off Nagle's algorithm and
/// notices the client leaving.
///
/// Hummingbird leaves Nagle on, so the small writes of a response (its head, then its body; one
/// write per streamed event) wait for the client's delayed acknowledgement: milliseconds per
/// request on a path that should take tens of microseconds.
///
/// A client that closes its side (the connection allows half-closure, so the channel itself
/// stays open) or whose connection drops gets its request's work cancelled at once
/// (`ClientDisconnect`), instead of when the reply is written.
final class ClientConnectionHandler: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = Never

    func handlerAdded(context: ChannelHandlerContext) {
        context.channel.setOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1).whenFailure { _ in
            // Not a TCP socket (a test's embedded channel): nothing to turn off.
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed? = event as? ChannelEvent {
            ClientDisconnect.shared.clientLeft(context.channel)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        ClientDisconnect.shared.clientLeft(context.channel)
        context.fireChannelInactive()
    }
}
