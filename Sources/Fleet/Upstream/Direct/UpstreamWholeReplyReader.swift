import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// Reads one whole (non-streamed) reply over an `UpstreamConnection`, on its event loop, with
/// the limits and the silence watch of `UpstreamBodyCollector`: `replyLimit` bytes of a 2xx,
/// `errorLimit` of an error status (past it the rest is not read), and nothing arriving for
/// `silenceLimit` ends it. `done` is called exactly once: with the reply, or with the error that
/// ended it (`UpstreamBodyCollector.Stop`, or the connection's), beside what was collected.
final class UpstreamWholeReplyReader: UpstreamAttemptReader {
    typealias Completion = (Result<UpstreamCollectedReply, any Error>, _ collected: UpstreamCollectedReply?) -> Void

    private let replyLimit: Int
    private let errorLimit: Int
    private let silenceLimit: TimeAmount
    private let loop: any EventLoop
    private var done: Completion?
    private var status: Int?
    private var headers = HTTPHeaders()
    private var body = ByteBuffer()
    private var limit = 0
    private var lastActivity = NIODeadline.now()
    private var timer: Scheduled<Void>?
    /// The connection carrying the exchange, abandoned when the reader stops it early.
    var connection: UpstreamConnection?

    init(replyLimit: Int, errorLimit: Int, silenceLimit: TimeAmount, loop: any EventLoop, done: @escaping Completion) {
        self.replyLimit = replyLimit
        self.errorLimit = errorLimit
        self.silenceLimit = silenceLimit
        self.loop = loop
        self.done = done
        arm(at: lastActivity + silenceLimit)
    }

    var collected: UpstreamCollectedReply? {
        status.map { UpstreamCollectedReply(status: $0, headers: headers, bytes: Array(body.readableBytesView), truncated: false) }
    }

    /// One timer for the whole reply: when it fires it sleeps again for what is left since the last arrival.
    private func arm(at deadline: NIODeadline) {
        let bound = NIOLoopBound(self, eventLoop: loop)
        timer = loop.scheduleTask(deadline: deadline) {
            let reader = bound.value
            guard reader.done != nil else { return }
            let due = reader.lastActivity + reader.silenceLimit
            if due > .now() {
                reader.arm(at: due)
            } else {
                reader.stop(UpstreamBodyCollector.Stop.silence)
            }
        }
    }

    func upstreamHead(_ head: HTTPResponseHead) {
        status = Int(head.status.code)
        headers = head.headers
        limit = (200..<300).contains(Int(head.status.code)) ? replyLimit : errorLimit
        lastActivity = .now()
    }

    func upstreamBody(_ part: ByteBuffer) {
        lastActivity = .now()
        let room = limit - body.readableBytes
        if part.readableBytes <= room {
            body.writeImmutableBuffer(part)
            return
        }
        body.writeImmutableBuffer(part.getSlice(at: part.readerIndex, length: max(room, 0)) ?? ByteBuffer())
        guard let status else { return }
        let truncated = UpstreamCollectedReply(status: status, headers: headers, bytes: Array(body.readableBytesView), truncated: true)
        finish(.failure(UpstreamBodyCollector.Stop.enough), collected: truncated)
        abandonConnection()
    }

    func upstreamEnd() {
        guard let collected else {
            finish(.failure(HTTPClientError.remoteConnectionClosed), collected: nil)
            return
        }
        finish(.success(collected), collected: collected)
    }

    func upstreamFailed(_ error: any Error) {
        finish(.failure(error), collected: collected)
    }

    /// Ends the exchange early (silence, or the caller gave up) and closes its connection.
    func stop(_ error: any Error) {
        finish(.failure(error), collected: collected)
        abandonConnection()
    }

    private func abandonConnection() {
        connection?.abandon()
        connection = nil
    }

    private func finish(_ result: Result<UpstreamCollectedReply, any Error>, collected: UpstreamCollectedReply?) {
        timer?.cancel()
        timer = nil
        guard let done else { return }
        self.done = nil
        done(result, collected)
    }
}
