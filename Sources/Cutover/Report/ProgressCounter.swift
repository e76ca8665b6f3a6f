import Synchronization

/// Counts finished requests across tasks and reports progress.
final class ProgressCounter: Sendable {
    private let state = Mutex(0)
    let total: Int
    let handler: ProgressHandler?

    init(total: Int, handler: ProgressHandler?) {
        self.total = total
        self.handler = handler
    }

    func advance(_ label: String) {
        let done = state.withLock { value in
            value += 1
            return value
        }
        handler?(ProgressUpdate(completed: done, total: total, label: label))
    }
}
