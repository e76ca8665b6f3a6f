import NIOConcurrencyHelpers

/// Counts finished requests across tasks and reports progress.
final class ProgressCounter: Sendable {
    private let state = NIOLockedValueBox(0)
    let total: Int
    let handler: ProgressHandler?

    init(total: Int, handler: ProgressHandler?) {
        self.total = total
        self.handler = handler
    }

    func advance(_ label: String) {
        let done = state.withLockedValue { value in
            value += 1
            return value
        }
        handler?(ProgressUpdate(completed: done, total: total, label: label))
    }
}
