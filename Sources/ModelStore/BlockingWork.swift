import Foundation

/// Runs blocking work (file I/O, a subprocess) on a thread of its own, so a pull never
/// ties up one of the few cooperative threads the server's requests run on.
enum BlockingWork {
    /// Runs `body` on a new thread and waits for it. Task cancellation sets the flag the body
    /// receives; the body checks it between chunks and throws `.cancelled`.
    static func run<Value: Sendable>(
        _ body: @escaping @Sendable (CancellationFlag) throws(ModelStoreError) -> Value
    ) async throws(ModelStoreError) -> Value {
        let flag = CancellationFlag()
        let result: Result<Value, ModelStoreError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let thread = Thread {
                    do throws(ModelStoreError) {
                        continuation.resume(returning: .success(try body(flag)))
                    } catch {
                        continuation.resume(returning: .failure(error))
                    }
                }
                thread.name = "switchyard.model-store"
                thread.start()
            }
        } onCancel: {
            flag.cancel()
        }
        return try result.get()
    }
}

/// Set once when the task that started some blocking work is cancelled; may also run an
/// action then (terminating a subprocess).
final class CancellationFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false
    private var onCancel: (@Sendable () -> Void)?

    var isCancelled: Bool { lock.withLock { cancelled } }

    func cancel() {
        let action: (@Sendable () -> Void)? = lock.withLock {
            cancelled = true
            defer { onCancel = nil }
            return onCancel
        }
        action?()
    }

    /// Runs `action` on cancellation, or right away if already cancelled.
    func whenCancelled(_ action: @escaping @Sendable () -> Void) {
        let runNow = lock.withLock {
            if cancelled { return true }
            onCancel = action
            return false
        }
        if runNow { action() }
    }

    func throwIfCancelled() throws(ModelStoreError) {
        if isCancelled { throw .cancelled }
    }
}
