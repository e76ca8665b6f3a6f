import NIOCore
import NIOHTTP1
import NIOPosix

/// The fastest possible OpenAI-compatible upstream, for measuring what a gateway adds: an
/// in-process NIO server that answers every POST at once with a canned chat completion, or,
/// when the body asks for `"stream": true`, a canned stream of `streamChunks` content chunks,
/// a usage chunk and `[DONE]`, in one write. It never parses JSON.
final class MockUpstream: Sendable {
    let channel: any Channel
    /// The port it listens on (127.0.0.1).
    let port: Int
    /// The size of its streamed answer.
    let streamBytes: Int

    private init(channel: any Channel, port: Int, streamBytes: Int) {
        self.channel = channel
        self.port = port
        self.streamBytes = streamBytes
    }

    /// Starts listening on 127.0.0.1:`port` (0: any free port).
    /// - Parameter chunkWrites: send each streamed event in a write (and flush) of its own, as a
    ///   generating server does, instead of the whole stream in one.
    static func start(
        port: Int, streamChunks: Int, chunkWrites: Bool = false, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> MockUpstream {
        let replies = CannedReplies(streamChunks: streamChunks, chunkWrites: chunkWrites)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(MockUpstreamHandler(replies: replies))
                }
            }
            .bind(host: "127.0.0.1", port: port).get()
        return MockUpstream(channel: channel, port: channel.localAddress?.port ?? port, streamBytes: replies.stream.readableBytes)
    }

    func stop() async {
        try? await channel.close()
    }
}

/// The two answers, encoded once.
struct CannedReplies: Sendable {
    let completion: ByteBuffer
    let stream: ByteBuffer
    /// The stream's events one by one, when each goes in a write of its own.
    let streamEvents: [ByteBuffer]?

    init(streamChunks: Int, chunkWrites: Bool = false) {
        let created = 1_765_000_000
        completion = ByteBuffer(string: """
            {"id":"chatcmpl-mock","object":"chat.completion","created":\(created),"model":"mock","choices":[{"index":0,\
            "message":{"role":"assistant","content":"Hi"},"finish_reason":"length"}],\
            "usage":{"prompt_tokens":9,"completion_tokens":1,"total_tokens":10}}
            """)
        func chunk(_ delta: String, finish: String?, usage: String = "null", choices: Bool = true) -> String {
            let finishText = finish.map { "\"\($0)\"" } ?? "null"
            let choiceText = choices ? "[{\"index\":0,\"delta\":\(delta),\"finish_reason\":\(finishText)}]" : "[]"
            return "data: {\"id\":\"chatcmpl-mock\",\"object\":\"chat.completion.chunk\",\"created\":\(created),\"model\":\"mock\",\"choices\":\(choiceText),\"usage\":\(usage)}\n\n"
        }
        var events = [chunk(#"{"role":"assistant","content":""}"#, finish: nil)]
        for index in 0..<max(streamChunks, 1) {
            events.append(chunk(#"{"content":"tok\#(index % 10) "}"#, finish: nil))
        }
        events.append(chunk("{}", finish: "length"))
        events.append(chunk("", finish: nil, usage: #"{"prompt_tokens":9,"completion_tokens":\#(max(streamChunks, 1)),"total_tokens":\#(9 + max(streamChunks, 1))}"#, choices: false))
        events.append("data: [DONE]\n\n")
        stream = ByteBuffer(string: events.joined())
        streamEvents = chunkWrites ? events.map { ByteBuffer(string: $0) } : nil
    }
}

/// Answers each request once its body is complete; keeps the connection open unless asked not to.
private final class MockUpstreamHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let replies: CannedReplies
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()

    init(replies: CannedReplies) {
        self.replies = replies
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body.clear()
        case .body(var part):
            body.writeBuffer(&part)
        case .end:
            guard let head else { return }
            let streamed = Self.asksForStream(body)
            let payload = streamed ? replies.stream : replies.completion
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: streamed ? "text/event-stream" : "application/json")
            headers.add(name: "Content-Length", value: String(payload.readableBytes))
            let keepAlive = head.isKeepAlive
            if !keepAlive { headers.add(name: "Connection", value: "close") }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .ok, headers: headers))), promise: nil)
            if streamed, let events = replies.streamEvents {
                for event in events { context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(event))), promise: nil) }
            } else {
                context.write(wrapOutboundOut(.body(.byteBuffer(payload))), promise: nil)
            }
            let done = context.writeAndFlushPromise(wrapOutboundOut(.end(nil)))
            if !keepAlive { done.whenComplete { [context] _ in context.close(promise: nil) } }
            self.head = nil
        }
    }

    /// Whether the JSON body holds `"stream":true` (or `"stream": true`): a byte search, so the
    /// mock spends next to nothing of the CPU it shares with what it measures.
    static func asksForStream(_ body: ByteBuffer) -> Bool {
        body.withUnsafeReadableBytes { bytes in
            Self.needles.contains { ByteSearch.contains(bytes, $0) }
        }
    }

    private static let needles = [Array(#""stream":true"#.utf8), Array(#""stream": true"#.utf8)]
}

extension ChannelHandlerContext {
    fileprivate func writeAndFlushPromise(_ data: NIOAny) -> EventLoopFuture<Void> {
        let promise = eventLoop.makePromise(of: Void.self)
        writeAndFlush(data, promise: promise)
        return promise.futureResult
    }
}
