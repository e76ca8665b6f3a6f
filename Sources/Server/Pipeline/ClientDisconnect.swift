import NIOCore
import Synchronization

/// Cancels a request's work when its client's connection closes, so a client that gives up
/// stops its generation or its upstream request at once, not when the reply is written.
///
/// A request's handler (and its response body) runs in its connection's task, so the work to
/// cancel is the current task. Each connection is watched once, whatever number of requests it
/// carries (a callback per request would pile up on a keep-alive connection); between its
/// requests nothing is cancelled.
final class ClientDisconnect: Sendable {
    static let shared = ClientDisconnect()

    private struct Watch {
        /// The task serving the connection's current request, while `run` is inside it.
        var task: TaskHandle?
    }

    /// An `UnsafeCurrentTask` kept only while `run` is inside the task's operation (it is
    /// cleared, under the same lock, before `run` returns), so cancelling it never outlives it.
    private struct TaskHandle: @unchecked Sendable {
        var task: UnsafeCurrentTask
    }

    private let connections = Mutex<[ObjectIdentifier: Watch]>([:])

    /// Runs `operation`, cancelling the current task if `channel` closes meanwhile.
    func run<T>(on channel: (any Channel)?, _ operation: () async throws -> T) async throws -> T {
        guard let channel, let task = withUnsafeCurrentTask(body: { $0 }) else { return try await operation() }
        let id = ObjectIdentifier(channel)
        let firstRequest = connections.withLock { connections -> Bool in
            let first = connections[id] == nil
            connections[id, default: Watch()].task = TaskHandle(task: task)
            return first
        }
        if firstRequest {
            // `ClientConnectionHandler` reports a client leaving; the close also ends the watch
            // where that handler is not in the pipeline.
            channel.closeFuture.whenComplete { [self] _ in leave(id) }
        }
        defer {
            connections.withLock { connections in connections[id]?.task = nil }
        }
        return try await operation()
    }

    /// The client of `channel` left: its current request's work (if any) is cancelled and the
    /// connection is no longer watched.
    func clientLeft(_ channel: any Channel) {
        leave(ObjectIdentifier(channel))
    }

    private func leave(_ id: ObjectIdentifier) {
        connections.withLock { connections in
            // Under the lock: a task still registered is inside `run` (it clears its handle under this lock).
            connections.removeValue(forKey: id)?.task?.task.cancel()
        }
    }
}
