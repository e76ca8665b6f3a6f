import NIOCore
import NIOPosix
import Synchronization

/// A stream's silence limit over all its reads with one NIO timer, instead of a timer and a
/// sleeping task per read (per chunk, when a server sends its tokens as they come): a read
/// notes when it began and which task makes it; the timer, when it fires, ends a read that has
/// gone the limit without bytes (by cancelling that task) or else sets itself again for the
/// moment the read under way would reach the limit. So the timer fires about once per limit,
/// not once per read. It holds the watch weakly, and the watch's end cancels it: a stream
/// dropped unfinished leaves no timer behind (a ten-minute limit would otherwise keep it).
final class UpstreamSilenceWatch: Sendable {
    private struct State {
        /// The task making the read under way, while `during` is inside it.
        var reader: ReaderHandle?
        var readStart = NIODeadline.now()
        var silenced = false
        var timer: Scheduled<Void>?
    }

    /// An `UnsafeCurrentTask` kept only while `during` is inside that task's read (cleared under
    /// the lock before `during` returns), so cancelling it never outlives the task.
    private struct ReaderHandle: @unchecked Sendable {
        var task: UnsafeCurrentTask
    }

    let limit: Duration
    private let amount: TimeAmount
    private let loop: any EventLoop
    private let state = Mutex(State())

    init(limit: Duration) {
        self.limit = limit
        self.amount = UpstreamBackend.timeAmount(limit)
        self.loop = MultiThreadedEventLoopGroup.singleton.any()
    }

    deinit {
        state.withLock { $0.timer }?.cancel()
    }

    /// Whether a read was ended for going the limit without bytes.
    var silenced: Bool { state.withLock { $0.silenced } }

    /// Runs `read` (in the task to cancel when it falls silent: a child of the stream's consumer,
    /// so that cancelling it leaves the consumer free to report the silence).
    func during<T>(_ read: () async throws -> T) async throws -> T {
        let started = withUnsafeCurrentTask { task -> Bool in
            guard let task else { return false }
            return state.withLock { state in
                guard !state.silenced else { return false }
                state.reader = ReaderHandle(task: task)
                state.readStart = .now()
                if state.timer == nil { arm(&state) }
                return true
            }
        }
        guard started else { throw CancellationError() }
        defer { state.withLock { $0.reader = nil } }
        return try await read()
    }

    private func arm(_ state: inout State) {
        state.timer = loop.scheduleTask(deadline: state.readStart + amount) { [weak self] in self?.fire() }
    }

    private func fire() {
        state.withLock { state in
            state.timer = nil
            // No read under way: the next one sets the timer again.
            guard let reader = state.reader else { return }
            if NIODeadline.now() >= state.readStart + amount {
                state.silenced = true
                reader.task.cancel()
            } else {
                arm(&state)
            }
        }
    }
}
