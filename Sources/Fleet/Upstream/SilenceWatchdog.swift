import Synchronization

/// Records when bytes last arrived, for `withSilenceTimeout`.
final class ActivityClock: Sendable {
    private let last = Mutex(ContinuousClock.now)

    /// Something arrived: the silence starts again from now.
    func touch() {
        last.withLock { $0 = .now }
    }

    var lastActivity: ContinuousClock.Instant { last.withLock { $0 } }
}

/// Nothing arrived for `limit`.
struct SilenceTimeout: Error {
    var limit: Duration
}

/// Runs `operation`, cancelling it and throwing `SilenceTimeout` once it goes `limit` without
/// calling `touch()` on the clock it is given. Cancelling the caller cancels the operation.
func withSilenceTimeout<T: Sendable>(
    _ limit: Duration, _ operation: @escaping @Sendable (ActivityClock) async throws -> T
) async throws -> T {
    let clock = ActivityClock()
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await operation(clock) }
        group.addTask {
            while true {
                let deadline = clock.lastActivity + limit
                if ContinuousClock.now >= deadline { throw SilenceTimeout(limit: limit) }
                try await Task.sleep(until: deadline, clock: .continuous)
            }
        }
        defer { group.cancelAll() }
        guard case .some(.some(let value)) = try await group.next() else { throw CancellationError() }
        return value
    }
}
