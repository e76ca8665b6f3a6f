import Foundation
import Synchronization

/// Key lookups for the request path, cached for at most `maxAge` (one second by default): a key
/// created or revoked by any process, on any replica, is honoured by every server within that bound,
/// while a busy key costs one database round trip a second instead of one a request.
///
/// When the store cannot answer (PostgreSQL down), a key seen before keeps authenticating from
/// its last answer, whatever its age, so clients already served keep being served; a secret never
/// seen, or the question whether any key exists, fails with the store's `.database` error (the
/// server answers 503: it fails closed).
public final class KeyCache: Sendable {
    private struct Entry {
        var key: APIKey?
        var fetchedAt: ContinuousClock.Instant
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var hasActiveKeys: Entry?
        var anyActive = false
    }

    public let keys: KeyStore
    public let maxAge: Duration
    /// At most this many secrets are remembered; beyond it the oldest answers are dropped.
    public let capacity: Int
    private let state = Mutex(State())
    private let failures = Atomic<Int>(0)
    private let failing = Atomic<Bool>(false)

    /// Lookups the store failed since start (each served from the cache or answered 503).
    public var storeFailures: Int { failures.load(ordering: .relaxed) }
    /// Whether the last lookup that reached the store failed.
    public var isDegraded: Bool { failing.load(ordering: .relaxed) }

    public init(keys: KeyStore, maxAge: Duration = .seconds(1), capacity: Int = 10_000) {
        self.keys = keys
        self.maxAge = maxAge
        self.capacity = max(1, capacity)
    }

    /// The active key whose secret this is, or nil; from the cache when the answer is fresher than
    /// `maxAge`, else from the store (falling back to the last answer when the store fails).
    public func authenticate(secret: String, now: ContinuousClock.Instant = .now) async throws(AccountsError) -> APIKey? {
        guard KeySecret.looksLikeSecret(secret) else { return nil }
        let hash = KeySecret.hash(secret)
        let cached = state.withLock { $0.entries[hash] }
        if let cached, now - cached.fetchedAt < maxAge { return cached.key }
        let key: APIKey?
        do {
            key = try await keys.store.activeKey(secretSHA256: hash)
            failing.store(false, ordering: .relaxed)
        } catch {
            noteFailure()
            if let cached, cached.key != nil { return cached.key }
            throw error
        }
        state.withLock { state in
            state.entries[hash] = Entry(key: key, fetchedAt: now)
            if state.entries.count > capacity {
                let oldest = state.entries.sorted { $0.value.fetchedAt < $1.value.fetchedAt }.prefix(state.entries.count - capacity)
                for (hash, _) in oldest { state.entries.removeValue(forKey: hash) }
            }
        }
        return key
    }

    /// Whether any key is active, cached like a key; when the store fails, the last answer stands.
    public func hasActiveKeys(now: ContinuousClock.Instant = .now) async throws(AccountsError) -> Bool {
        let cached = state.withLock { state in state.hasActiveKeys.map { ($0, state.anyActive) } }
        if let (entry, answer) = cached, now - entry.fetchedAt < maxAge { return answer }
        let answer: Bool
        do {
            answer = try await keys.hasActiveKeys()
            failing.store(false, ordering: .relaxed)
        } catch {
            noteFailure()
            if let (_, previous) = cached { return previous }
            throw error
        }
        state.withLock { state in
            state.hasActiveKeys = Entry(key: nil, fetchedAt: now)
            state.anyActive = answer
        }
        return answer
    }

    /// `authenticate`'s answer when the cache holds a fresh one: `.some(nil)` for a secret known
    /// to be no active key, `nil` when the store would have to be asked.
    public func cachedKey(secret: String, now: ContinuousClock.Instant = .now) -> APIKey?? {
        guard KeySecret.looksLikeSecret(secret) else { return .some(nil) }
        let hash = KeySecret.hash(secret)
        guard let cached = state.withLock({ $0.entries[hash] }), now - cached.fetchedAt < maxAge else { return nil }
        return .some(cached.key)
    }

    /// `hasActiveKeys`'s answer when the cache holds a fresh one, else `nil`.
    public func cachedHasActiveKeys(now: ContinuousClock.Instant = .now) -> Bool? {
        state.withLock { state in
            guard let entry = state.hasActiveKeys, now - entry.fetchedAt < maxAge else { return nil }
            return state.anyActive
        }
    }

    private func noteFailure() {
        failures.add(1, ordering: .relaxed)
        failing.store(true, ordering: .relaxed)
    }
}
