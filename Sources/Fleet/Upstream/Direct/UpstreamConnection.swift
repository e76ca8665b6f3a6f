import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// What an exchange over an `UpstreamConnection` hears, always on the connection's event loop.
protocol UpstreamExchangeDelegate: AnyObject {
    func upstreamHead(_ head: HTTPResponseHead)
    func upstreamBody(_ part: ByteBuffer)
    func upstreamEnd()
    /// The connection failed or closed before the reply ended (an `HTTPClientError`, `IOError`...).
    func upstreamFailed(_ error: any Error)
    /// One read from the socket was handed over (its parts arrived before): a relay writes what
    /// that read completed in one write.
    func upstreamReadComplete()
}

extension UpstreamExchangeDelegate {
    func upstreamReadComplete() {}
}

/// What reads one attempt's reply (`UpstreamWholeReplyReader`, `UpstreamDirectStream`): told its
/// connection once connected, and stopped when its request is given up.
protocol UpstreamAttemptReader: UpstreamExchangeDelegate {
    var connection: UpstreamConnection? { get set }
    /// Ends the exchange early and closes its connection.
    func stop(_ error: any Error)
}

/// One keep-alive HTTP/1.1 connection to an upstream, carrying one exchange at a time, on one
/// event loop. When a reply ends on a connection both sides keep alive, it goes back to its
/// loop's `UpstreamConnectionPool` for the next request.
final class UpstreamConnection {
    let channel: any Channel
    let endpoint: UpstreamEndpoint
    fileprivate let handler: UpstreamConnectionHandler
    let pool: UpstreamConnectionPool

    fileprivate init(channel: any Channel, endpoint: UpstreamEndpoint, handler: UpstreamConnectionHandler, pool: UpstreamConnectionPool) {
        self.channel = channel
        self.endpoint = endpoint
        self.handler = handler
        self.pool = pool
    }

    /// Sends one request; `delegate` hears its reply. The connection returns to the pool by itself
    /// once the reply ends (and is closed instead when either side does not keep it alive).
    func start(head: HTTPRequestHead, body: ByteBuffer, delegate: any UpstreamExchangeDelegate) {
        handler.delegate = delegate
        handler.reusable = head.isKeepAlive
        handler.resumeReading()
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        channel.write(HTTPClientRequestPart.body(.byteBuffer(body)), promise: nil)
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
    }

    /// Stops reading the reply (its reader's client cannot take more yet): the socket is not read,
    /// so TCP slows the upstream down instead of the bytes piling up here.
    func pauseReading() {
        handler.readingPaused = true
    }

    /// Reads the reply again after `pauseReading`.
    func resumeReading() {
        handler.resumeReading()
    }

    /// Abandons the exchange in flight (its client left, or it timed out): the connection is
    /// closed, since the rest of its reply would arrive before the next one.
    func abandon() {
        handler.delegate = nil
        channel.close(promise: nil)
    }

    /// Connects a new connection on `loop` (call on `loop`); `done` runs on it.
    static func connect(
        to endpoint: UpstreamEndpoint, on loop: any EventLoop, timeout: TimeAmount, pool: UpstreamConnectionPool,
        done: @escaping (Result<UpstreamConnection, any Error>) -> Void
    ) {
        ClientBootstrap(group: loop)
            .connectTimeout(timeout)
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(UpstreamConnectionHandler())
                }
            }
            .connect(host: endpoint.host, port: endpoint.port)
            .assumeIsolated()
            .whenComplete { result in
                done(
                    result.flatMap { channel in
                        Result {
                            let handler = try channel.pipeline.syncOperations.handler(type: UpstreamConnectionHandler.self)
                            let connection = UpstreamConnection(channel: channel, endpoint: endpoint, handler: handler, pool: pool)
                            handler.connection = connection
                            return connection
                        }
                    })
            }
    }
}

/// Hands the reply's parts to the exchange in flight and, when the reply ends, gives the
/// connection back to its pool (or closes it). Holds the channel's reads while the exchange's
/// reader is paused (backpressure from its client).
private final class UpstreamConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart

    weak var delegate: (any UpstreamExchangeDelegate)?
    /// Set once the connection is made; cleared when it closes (breaking the cycle).
    var connection: UpstreamConnection?
    var reusable = true
    var readingPaused = false
    /// A read asked for while paused, issued on resuming.
    private var readHeld = false
    private var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func read(context: ChannelHandlerContext) {
        if readingPaused {
            readHeld = true
        } else {
            context.read()
        }
    }

    func resumeReading() {
        readingPaused = false
        guard readHeld, let context else { return }
        readHeld = false
        context.read()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        delegate?.upstreamReadComplete()
        context.fireChannelReadComplete()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            if !head.isKeepAlive { reusable = false }
            delegate?.upstreamHead(head)
        case .body(let part):
            delegate?.upstreamBody(part)
        case .end:
            let delegate = self.delegate
            self.delegate = nil
            if reusable, let connection, context.channel.isActive {
                connection.pool.giveBack(connection)
            } else {
                context.close(promise: nil)
            }
            delegate?.upstreamEnd()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(HTTPClientError.remoteConnectionClosed)
        if let connection {
            connection.pool.closed(connection)
            self.connection = nil
        }
        context.fireChannelInactive()
    }

    private func fail(_ error: any Error) {
        let delegate = self.delegate
        self.delegate = nil
        delegate?.upstreamFailed(error)
    }
}

/// The idle upstream connections of one event loop, by endpoint: requests on that loop reuse
/// them, so a request costs no connect and no hop to another thread. Touched only on its loop.
final class UpstreamConnectionPool {
    /// Each loop's pool, made on first use; a loop's pool lives as long as the process.
    private static let pools = Mutex<[ObjectIdentifier: NIOLoopBound<UpstreamConnectionPool>]>([:])

    /// The pool of `loop`; call on `loop`.
    static func of(_ loop: any EventLoop) -> UpstreamConnectionPool {
        let key = ObjectIdentifier(loop)
        if let bound = pools.withLock({ $0[key] }) { return bound.value }
        let pool = UpstreamConnectionPool(loop: loop)
        pools.withLock { $0[key] = NIOLoopBound(pool, eventLoop: loop) }
        return pool
    }

    /// Every loop's pool, for closing them all at shutdown.
    static var all: [NIOLoopBound<UpstreamConnectionPool>] {
        pools.withLock { Array($0.values) }
    }

    let loop: any EventLoop
    private var idle: [UpstreamEndpoint: [UpstreamConnection]] = [:]
    /// The server is shutting down: connections are closed when their reply ends, not kept.
    private var closing = false
    /// Idle connections kept per endpoint; more are closed.
    static let maxIdlePerEndpoint = 256

    init(loop: any EventLoop) {
        self.loop = loop
    }

    /// An idle connection to `endpoint` (`done` runs at once), or a new one (`done` runs once connected).
    func connection(
        to endpoint: UpstreamEndpoint, connectTimeout: TimeAmount, done: @escaping (Result<UpstreamConnection, any Error>) -> Void
    ) {
        while let connection = idle[endpoint]?.popLast() {
            if connection.channel.isActive { return done(.success(connection)) }
        }
        UpstreamConnection.connect(to: endpoint, on: loop, timeout: connectTimeout, pool: self, done: done)
    }

    func giveBack(_ connection: UpstreamConnection) {
        var list = idle[connection.endpoint, default: []]
        guard !closing, list.count < Self.maxIdlePerEndpoint else {
            connection.channel.close(promise: nil)
            return
        }
        list.append(connection)
        idle[connection.endpoint] = list
    }

    /// Closes the idle connections and keeps none from now on (call on `loop`); the future
    /// completes once they are closed. Exchanges in flight go on, their connections closed as they end.
    func close() -> EventLoopFuture<Void> {
        closing = true
        let connections = idle.values.joined()
        idle = [:]
        let closed = connections.map { connection in
            connection.channel.close().recover { _ in }  // already closed by the other side: as good
        }
        return EventLoopFuture.andAllSucceed(closed, on: loop)
    }

    fileprivate func closed(_ connection: UpstreamConnection) {
        idle[connection.endpoint]?.removeAll { $0 === connection }
    }
}
