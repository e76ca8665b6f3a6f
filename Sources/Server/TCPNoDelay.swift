import NIOCore

/// Turns off Nagle's algorithm on a client connection. Hummingbird leaves it on, so the small
/// writes of a response (its head, then its body; one write per streamed event) wait for the
/// client's delayed acknowledgement: milliseconds per request on a fast path that should take
/// tens of microseconds.
final class TCPNoDelay: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = Never

    func handlerAdded(context: ChannelHandlerContext) {
        context.channel.setOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1).whenFailure { _ in
            // Not a TCP socket (a test's embedded channel): nothing to turn off.
        }
    }
}
