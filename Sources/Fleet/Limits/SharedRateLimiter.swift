import Logging
import Synchronization
import OpenAIWire

/// One budget per key for all the replicas sharing a fleet store: every arrival spends from the
/// key's bucket row in the store (`RateLimitRecords.spend`), atomically, in one round trip.
///
/// Cost and accuracy: the arrival is the only round trip a request waits for; token reservations
/// and settlements are sent after it without waiting (they only move the token bucket, which may
/// go into debt anyway). Admission is exact: N replicas admit what one process would, give or take
/// the refill during the requests' own round trips (with rpm 60, about one request a second). The
/// `x-ratelimit-*` headers come from the row the arrival read, so every replica reports the same
/// levels. Buckets live in the store, so they survive a restart.
///
/// When the store cannot answer, each replica falls back to its own in-memory limiter (the same
/// rule, per replica): requests keep flowing, limits hold per replica, and `storeFailures` counts it.
public final class SharedRateLimiter: RateLimiting {
    private struct Known {
        var levels: BucketLevels
        var requestsPerMinute: Int?
        var tokensPerMinute: Int?
        var at: ContinuousClock.Instant
    }

    let store: any RateLimitRecords
    let fallback = RateLimiter()
    let logger: Logger
    private let known = Mutex<[String: Known]>([:])
    private let failures = Atomic<Int>(0)

    public init(store: any RateLimitRecords, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    /// How many spends the store failed (each fell back to the replica's own limiter).
    public var storeFailures: Int { failures.load(ordering: .relaxed) }

    /// Answers for keys without limits only: a limited key's arrival spends from its row in the store.
    public func admitArrivalNow(key: APIKey, estimatedTokens: Int) -> RateLimitDecision? {
        key.requestsPerMinute == nil && key.tokensPerMinute == nil ? .allowed(nil) : nil
    }

    public func admitArrival(key: APIKey, estimatedTokens: Int) async -> RateLimitDecision {
        if let decision = admitArrivalNow(key: key, estimatedTokens: estimatedTokens) { return decision }
        let estimate = max(0, estimatedTokens)
        let levels: BucketLevels
        do {
            levels = try await store.spend(BucketSpend(
                keyID: key.id, requestsPerMinute: key.requestsPerMinute, tokensPerMinute: key.tokensPerMinute,
                arrivalEstimate: estimate))
        } catch {
            failed(error)
            return fallback.checkArrival(key: key, estimatedTokens: estimate)
        }
        remember(levels, for: key)
        let status = Self.status(levels, key: key)
        guard !levels.admitted else { return .allowed(status) }
        var waits: [(Duration, String)] = []
        if let level = levels.requests, let limit = key.requestsPerMinute, level < 1 {
            waits.append((Self.time(from: level, to: 1, limit: limit), "requests"))
        }
        if let level = levels.tokens, let limit = key.tokensPerMinute {
            if estimate > limit {
                waits.append((Self.time(from: level, to: Double(limit), limit: limit), "tokens"))
            } else if level < Double(estimate) {
                waits.append((Self.time(from: level, to: Double(estimate), limit: limit), "tokens"))
            }
        }
        let longest = waits.max { $0.0 < $1.0 } ?? (.seconds(1), "requests")
        return .exceeded(status, retryAfter: longest.0, limit: longest.1)
    }

    public func reserveTokens(key: APIKey, tokens: Int) -> RateLimitReservation {
        let tokens = max(0, tokens)
        if key.tokensPerMinute != nil, tokens > 0 {
            send(BucketSpend(keyID: key.id, requestsPerMinute: key.requestsPerMinute, tokensPerMinute: key.tokensPerMinute, tokens: tokens))
        }
        return RateLimitReservation(keyID: key.id, tokens: tokens)
    }

    public func settleTokens(_ reservation: RateLimitReservation, actualTokens: Int) {
        let overrun = max(0, actualTokens) - reservation.tokens
        guard overrun != 0, let limits = known.withLock({ $0[reservation.keyID] }), limits.tokensPerMinute != nil else { return }
        send(BucketSpend(
            keyID: reservation.keyID, requestsPerMinute: limits.requestsPerMinute, tokensPerMinute: limits.tokensPerMinute,
            tokens: overrun))
    }

    /// The levels the last answer for this key gave, refilled to now.
    public func currentStatus(for key: APIKey) -> RateLimitStatus? {
        guard key.requestsPerMinute != nil || key.tokensPerMinute != nil else { return nil }
        guard let last = known.withLock({ $0[key.id] }) else { return fallback.status(for: key) }
        let minutes = (ContinuousClock.now - last.at).inSeconds / 60
        func refilled(_ level: Double?, _ limit: Int?) -> Double? {
            guard let limit else { return nil }
            return min(Double(limit), (level ?? Double(limit)) + minutes * Double(limit))
        }
        let levels = BucketLevels(
            admitted: true, requests: refilled(last.levels.requests, key.requestsPerMinute),
            tokens: refilled(last.levels.tokens, key.tokensPerMinute))
        return Self.status(levels, key: key)
    }

    // MARK: - Helpers

    /// Spends without waiting: off the request's path.
    private func send(_ spend: BucketSpend) {
        Task {
            do {
                let levels = try await store.spend(spend)
                known.withLock { known in
                    known[spend.keyID]?.levels = levels
                    known[spend.keyID]?.at = .now
                }
            } catch {
                failed(error)
            }
        }
    }

    private func remember(_ levels: BucketLevels, for key: APIKey) {
        known.withLock { known in
            known[key.id] = Known(
                levels: levels, requestsPerMinute: key.requestsPerMinute, tokensPerMinute: key.tokensPerMinute, at: .now)
        }
    }

    private func failed(_ error: any Error) {
        let message = (error as? AccountsError)?.message ?? "\(error)"
        let count = failures.add(1, ordering: .relaxed).newValue
        if count == 1 || count % 100 == 0 {
            logger.warning(
                "rate-limit store unavailable: limiting per replica",
                metadata: ["error.message": .string(message), "ratelimit.store_failures": .stringConvertible(count)])
        }
    }

    private static func time(from level: Double, to target: Double, limit: Int) -> Duration {
        guard level < target, limit > 0 else { return .zero }
        return TokenBucket.duration(seconds: (target - level) * 60 / Double(limit))
    }

    static func status(_ levels: BucketLevels, key: APIKey) -> RateLimitStatus {
        RateLimitStatus(
            limitRequests: key.requestsPerMinute,
            remainingRequests: levels.requests.map { max(0, Int($0.rounded(.down))) },
            resetRequests: zip(levels.requests, key.requestsPerMinute).map { time(from: $0, to: Double($1), limit: $1) },
            limitTokens: key.tokensPerMinute,
            remainingTokens: levels.tokens.map { max(0, Int($0.rounded(.down))) },
            resetTokens: zip(levels.tokens, key.tokensPerMinute).map { time(from: $0, to: Double($1), limit: $1) })
    }
}

private func zip<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
    guard let a, let b else { return nil }
    return (a, b)
}
