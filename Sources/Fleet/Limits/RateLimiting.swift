/// What the request path asks of a rate limiter, whether it keeps its buckets in memory
/// (`RateLimiter`, one process) or in the fleet store (`SharedRateLimiter`, replicas).
public protocol RateLimiting: Sendable {
    /// At arrival: takes one request and checks the token bucket holds `estimatedTokens`
    /// (see `RateLimiter.checkArrival`).
    func admitArrival(key: APIKey, estimatedTokens: Int) async -> RateLimitDecision
    /// `admitArrival`'s decision when it needs no wait (a locked check, no store round trip):
    /// what an event loop may ask; nil when only `admitArrival` can decide.
    func admitArrivalNow(key: APIKey, estimatedTokens: Int) -> RateLimitDecision?
    /// At dispatch: takes `tokens` from the key's token bucket, into debt if need be.
    func reserveTokens(key: APIKey, tokens: Int) -> RateLimitReservation
    /// With the real usage: gives back what the reservation did not use, or takes the overrun.
    func settleTokens(_ reservation: RateLimitReservation, actualTokens: Int)
    /// The key's limits and what is left, for the `x-ratelimit-*` headers; nil without limits.
    func currentStatus(for key: APIKey) -> RateLimitStatus?
}

extension RateLimiter: RateLimiting {
    public func admitArrival(key: APIKey, estimatedTokens: Int) async -> RateLimitDecision {
        checkArrival(key: key, estimatedTokens: estimatedTokens, now: .now)
    }

    /// Always answers: the buckets are in memory, behind a lock.
    public func admitArrivalNow(key: APIKey, estimatedTokens: Int) -> RateLimitDecision? {
        checkArrival(key: key, estimatedTokens: estimatedTokens, now: .now)
    }

    public func reserveTokens(key: APIKey, tokens: Int) -> RateLimitReservation {
        reserve(key: key, tokens: tokens, now: .now)
    }

    public func settleTokens(_ reservation: RateLimitReservation, actualTokens: Int) {
        settle(reservation, actualTokens: actualTokens, now: .now)
    }

    public func currentStatus(for key: APIKey) -> RateLimitStatus? {
        status(for: key, now: .now)
    }
}
