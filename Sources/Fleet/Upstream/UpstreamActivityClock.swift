import Synchronization

/// Watches a read for silence: the reader calls `touch()` whenever bytes arrive, and
/// `run(limit:_:)` cancels it once nothing has arrived for the limit.
final class UpstreamActivityClock: Sendable {
    /// Nothing arrived for `limit`.
    struct Silence: Error {
        var limit: Duration
    }

    private let last = Mutex(ContinuousClock.now)

    private init() {}

    /// Something arrived: the silence starts again from now.
    func touch() {
        last.withLock { $0 = .now }
    }

    private var lastActivity: ContinuousClock.Instant { last.withLock { $0 } }

    /// Runs `operation`, cancelling it and throwing `Silence` once it goes `limit` without
    /// touching the clock it is given. Cancelling the caller cancels the operation.
    static func run<T: Sendable>(
        limit: Duration, _ operation: @escaping @Sendable (UpstreamActivityClock) async throws -> T
    ) async throws -> T {
        let clock = UpstreamActivityClock()
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await operation(clock) }
            group.addTask {
                while true {
                    let deadline = clock.lastActivity + limit
                    if ContinuousClock.now >= deadline { throw Silence(limit: limit) }
                    try await EventLoopSleep.sleep(for: deadline - ContinuousClock.now)
                }
            }
            defer { group.cancelAll() }
            guard case .some(.some(let value)) = try await group.next() else { throw CancellationError() }
            return value
        }
    }
}
