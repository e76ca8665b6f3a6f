import Fleet
import OpenAIWire

/// Comment lines (`: ...`) on an open event stream while something slow happens before its
/// first event (a tier waking, a wait for a generation slot), so proxies and clients that give
/// up on a silent connection keep waiting.
enum SSEKeepAlive {
    /// The interval for a model outside any tier (a tier's own setting applies within one).
    static let defaultInterval: Duration = .seconds(5)

    /// Runs `operation`, writing `comment(seconds waited)` every `interval` until it returns.
    /// A value that arrives after the stream failed goes to `discard` (so a lease is not held).
    static func run<T: Sendable>(
        every interval: Duration, on sse: inout SSEWriter, comment: (Int) -> String, discard: (T) -> Void = { _ in },
        _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let started = ContinuousClock.now
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await Task.sleep(for: interval)
                return nil
            }
            do {
                while let result = try await group.next() {
                    if let value = result {
                        group.cancelAll()
                        return value
                    }
                    let waited = Int((ContinuousClock.now - started).inSeconds)
                    try await sse.write(comment(waited))
                    group.addTask {
                        try await Task.sleep(for: interval)
                        return nil
                    }
                }
                throw CancellationError()
            } catch {
                group.cancelAll()
                while let result = await group.nextResult() {
                    if case .success(let value?) = result { discard(value) }
                }
                throw error
            }
        }
    }
}
