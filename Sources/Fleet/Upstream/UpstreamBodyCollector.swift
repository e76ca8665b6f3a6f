import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import Synchronization

/// A whole upstream reply: its status, headers and body (up to a limit).
struct UpstreamCollectedReply: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var bytes: [UInt8]
    /// The body went past the limit; `bytes` holds its first `limit` bytes and the rest was not read.
    var truncated: Bool
}

/// Reads a whole (non-streamed) reply where its bytes arrive: async-http-client's delegate API
/// calls it on the connection's event loop for the head and each body part, and a silence
/// timer on that loop watches the gaps between them, so the calling task wakes once, when the
/// reply is complete. (The async API wakes the task for the head and again for each body part,
/// and watching its silences took a task group of two children per read: on two busy cores
/// every wake-up is a context switch, and they were most of the gateway's cost per request.)
///
/// The limit is chosen when the head arrives: `replyLimit` for a 2xx, `errorLimit` otherwise.
/// Past it the rest is not read (the request is failed with `Enough`, which `collect` turns
/// back into the truncated reply).
final class UpstreamBodyCollector: HTTPClientResponseDelegate {
    typealias Response = UpstreamCollectedReply

    /// What ended a reply early.
    enum Stop: Error {
        /// The limit was reached: what was read is the reply, truncated.
        case enough
        /// Nothing arrived for the silence limit (`collected` says whether the head had).
        case silence
    }

    private struct State {
        var status: Int?
        var headers = HTTPHeaders()
        var body = ByteBuffer()
        var limit = 0
        var truncated = false
        var lastActivity = NIODeadline.now()
        var timer: Scheduled<Void>?
        var done = false
    }

    private let replyLimit: Int
    private let errorLimit: Int
    private let silenceLimit: TimeAmount
    private let state = Mutex(State())

    init(replyLimit: Int, errorLimit: Int, silenceLimit: TimeAmount) {
        self.replyLimit = replyLimit
        self.errorLimit = errorLimit
        self.silenceLimit = silenceLimit
    }

    /// What arrived so far, as a reply (for a stop, or an error after the head).
    var collected: UpstreamCollectedReply? {
        state.withLock { state in
            state.status.map {
                UpstreamCollectedReply(
                    status: $0, headers: state.headers, bytes: Array(state.body.readableBytesView), truncated: state.truncated)
            }
        }
    }

    /// Starts the silence watch of `task` (on its event loop). Call once, right after `execute`.
    func watch(_ task: HTTPClient.Task<Response>) {
        let loop = task.eventLoop
        let deadline = state.withLock { state -> NIODeadline? in
            guard !state.done else { return nil }
            state.lastActivity = .now()
            return state.lastActivity + silenceLimit
        }
        guard let deadline else { return }
        arm(task, at: deadline, on: loop)
    }

    /// The timer checks the time of the last arrival when it fires and sleeps again for the
    /// rest, so a reply in many parts costs one timer, not one per part.
    private func arm(_ task: HTTPClient.Task<Response>, at deadline: NIODeadline, on loop: any EventLoop) {
        let timer = loop.scheduleTask(deadline: deadline) { [self] in
            let next = state.withLock { state -> Result<NIODeadline, Stop>? in
                guard !state.done else { return nil }
                let due = state.lastActivity + silenceLimit
                if due > .now() { return .success(due) }
                state.done = true
                return .failure(.silence)
            }
            switch next {
            case .success(let due): arm(task, at: due, on: loop)
            case .failure(let stop): task.fail(reason: stop)
            case nil: break
            }
        }
        let late = state.withLock { state -> Bool in
            if state.done { return true }
            state.timer = timer
            return false
        }
        if late { timer.cancel() }
    }

    func didReceiveHead(task: HTTPClient.Task<Response>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        state.withLock { state in
            state.status = Int(head.status.code)
            state.headers = head.headers
            state.limit = (200..<300).contains(Int(head.status.code)) ? replyLimit : errorLimit
            state.lastActivity = .now()
        }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Response>, _ part: ByteBuffer) -> EventLoopFuture<Void> {
        let full = state.withLock { state -> Bool in
            state.lastActivity = .now()
            let room = state.limit - state.body.readableBytes
            if part.readableBytes <= room {
                state.body.writeImmutableBuffer(part)
                return false
            }
            state.body.writeImmutableBuffer(part.getSlice(at: part.readerIndex, length: max(room, 0)) ?? ByteBuffer())
            state.truncated = true
            return true
        }
        if full {
            end()
            task.fail(reason: Stop.enough)
        }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveError(task: HTTPClient.Task<Response>, _ error: any Error) {
        end()
    }

    func didFinishRequest(task: HTTPClient.Task<Response>) throws -> Response {
        end()
        guard let collected else { throw HTTPClientError.remoteConnectionClosed }
        return collected
    }

    /// Stops the silence watch.
    private func end() {
        let timer = state.withLock { state -> Scheduled<Void>? in
            state.done = true
            defer { state.timer = nil }
            return state.timer
        }
        timer?.cancel()
    }
}
