import Foundation

/// A lock with a scoped `withLock`, usable from files that do not import Foundation.
final class NSLockBox: @unchecked Sendable {
    private let lock = NSLock()

    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}
