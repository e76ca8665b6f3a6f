import Synchronization

/// Per-key requests-per-minute and tokens-per-minute limits, as token buckets refilled continuously
/// (a limit of N per minute holds up to N and refills N per 60 s), in memory: a restart starts full.
///
/// A request meets it three times: `checkArrival` takes one request and checks that the token
/// bucket holds the request's estimate (taking nothing from it, so a long wake does not hold
/// tokens); `reserve` takes the estimate at dispatch (the bucket may go into debt, which delays
/// later requests); `settle` gives back what the request did not use, or takes the overrun.
///
/// Every `now:` parameter defaults to the current instant; tests pass their own.
public final class RateLimiter: Sendable {
    private struct Buckets {
        var requests: TokenBucket?
        var tokens: TokenBucket?
    }

    private let state = Mutex<[String: Buckets]>([:])

    public init() {}

    /// At arrival: takes one request from the key's request bucket and checks the token bucket has
    /// `estimatedTokens` (without taking them). Nothing is taken when a limit is exceeded; when both
    /// are, the one with the longer wait is reported. A request larger than the whole token limit is
    /// always exceeded. Keys with neither limit always pass (status nil).
    public func checkArrival(
        key: APIKey, estimatedTokens: Int, now: ContinuousClock.Instant = .now
    ) -> RateLimitDecision {
        guard key.requestsPerMinute != nil || key.tokensPerMinute != nil else { return .allowed(nil) }
        let estimate = Double(max(0, estimatedTokens))
        return state.withLock { state in
            var buckets = Self.buckets(for: key, in: &state, now: now)
            var waits: [(Duration, String)] = []
            if let requests = buckets.requests, requests.level < 1 {
                waits.append((requests.timeUntil(1), "requests"))
            }
            if let tokens = buckets.tokens {
                if estimate > tokens.capacity {
                    waits.append((tokens.timeUntilFull, "tokens"))
                } else if tokens.level < estimate {
                    waits.append((tokens.timeUntil(estimate), "tokens"))
                }
            }
            if let longest = waits.max(by: { $0.0 < $1.0 }) {
                return .exceeded(Self.status(of: buckets), retryAfter: longest.0, limit: longest.1)
            }
            buckets.requests?.take(1)
            state[key.id] = buckets
            return .allowed(Self.status(of: buckets))
        }
    }

    /// At dispatch: takes `tokens` from the key's token bucket, into debt if need be.
    public func reserve(key: APIKey, tokens: Int, now: ContinuousClock.Instant = .now) -> RateLimitReservation {
        let tokens = max(0, tokens)
        if key.tokensPerMinute != nil {
            state.withLock { state in
                var buckets = Self.buckets(for: key, in: &state, now: now)
                buckets.tokens?.take(Double(tokens))
                state[key.id] = buckets
            }
        }
        return RateLimitReservation(keyID: key.id, tokens: tokens)
    }

    /// With the real usage: gives back reserved-but-unused tokens (never beyond the limit), or takes
    /// the overrun. Settle each reservation once.
    public func settle(_ reservation: RateLimitReservation, actualTokens: Int, now: ContinuousClock.Instant = .now) {
        let difference = Double(reservation.tokens - max(0, actualTokens))
        guard difference != 0 else { return }
        state.withLock { state in
            guard var buckets = state[reservation.keyID], var tokens = buckets.tokens else { return }
            tokens.refill(to: now)
            if difference > 0 { tokens.giveBack(difference) } else { tokens.take(-difference) }
            buckets.tokens = tokens
            state[reservation.keyID] = buckets
        }
    }

    /// The key's limits and what is left now; nil when the key has neither limit.
    public func status(for key: APIKey, now: ContinuousClock.Instant = .now) -> RateLimitStatus? {
        guard key.requestsPerMinute != nil || key.tokensPerMinute != nil else { return nil }
        return state.withLock { state in
            let buckets = Self.buckets(for: key, in: &state, now: now)
            state[key.id] = buckets
            return Self.status(of: buckets)
        }
    }

    /// Forgets a key's buckets (after it is revoked); a later request starts full.
    public func forget(keyID: String) {
        _ = state.withLock { $0.removeValue(forKey: keyID) }
    }

    // MARK: - Buckets

    /// The key's buckets, created full, following changed limits, refilled to `now`.
    private static func buckets(for key: APIKey, in state: inout [String: Buckets], now: ContinuousClock.Instant) -> Buckets {
        var buckets = state[key.id] ?? Buckets()
        buckets.requests = Self.updated(buckets.requests, limit: key.requestsPerMinute, now: now)
        buckets.tokens = Self.updated(buckets.tokens, limit: key.tokensPerMinute, now: now)
        return buckets
    }

    private static func updated(_ bucket: TokenBucket?, limit: Int?, now: ContinuousClock.Instant) -> TokenBucket? {
        guard let limit, limit > 0 else { return nil }
        guard var bucket else { return TokenBucket(capacity: limit, now: now) }
        bucket.refill(to: now)
        if bucket.capacity != Double(limit) { bucket.setCapacity(limit) }
        return bucket
    }

    private static func status(of buckets: Buckets) -> RateLimitStatus {
        RateLimitStatus(
            limitRequests: buckets.requests.map { Int($0.capacity) },
            remainingRequests: buckets.requests?.remaining,
            resetRequests: buckets.requests?.timeUntilFull,
            limitTokens: buckets.tokens.map { Int($0.capacity) },
            remainingTokens: buckets.tokens?.remaining,
            resetTokens: buckets.tokens?.timeUntilFull)
    }
}
