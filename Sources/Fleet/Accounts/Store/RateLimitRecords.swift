import Foundation

/// Rate-limit buckets kept in the fleet store, so replicas share one budget per key.
///
/// A key has one row: the level of its requests-per-minute bucket and of its tokens-per-minute
/// bucket, and when they were last updated, by the store's own clock (PostgreSQL's, so replicas
/// whose clocks differ still agree). `spend` refills, decides and updates the row in one atomic
/// step and one round trip.
public protocol RateLimitRecords: Sendable {
    func spend(_ spend: BucketSpend) async throws(AccountsError) -> BucketLevels
}

/// One change to a key's buckets.
public struct BucketSpend: Sendable, Equatable {
    public var keyID: String
    /// The key's current limits (a bucket follows a changed limit: its level is cut to it).
    public var requestsPerMinute: Int?
    public var tokensPerMinute: Int?
    /// At arrival: take one request when the request bucket holds one and the token bucket holds
    /// this many tokens (and the limit is at least that); otherwise take nothing. Nil: no arrival.
    public var arrivalEstimate: Int?
    /// Tokens to take (positive: a reservation, an overrun) or give back (negative, never beyond
    /// the limit), whatever the levels (the token bucket may go into debt).
    public var tokens: Int

    public init(keyID: String, requestsPerMinute: Int?, tokensPerMinute: Int?, arrivalEstimate: Int? = nil, tokens: Int = 0) {
        self.keyID = keyID
        self.requestsPerMinute = requestsPerMinute
        self.tokensPerMinute = tokensPerMinute
        self.arrivalEstimate = arrivalEstimate
        self.tokens = tokens
    }
}

/// A key's buckets after a spend.
public struct BucketLevels: Sendable, Equatable {
    /// Whether an arrival was admitted (true when the spend was no arrival).
    public var admitted: Bool
    /// The request bucket's level, nil without a requests-per-minute limit.
    public var requests: Double?
    /// The token bucket's level (negative in debt), nil without a tokens-per-minute limit.
    public var tokens: Double?

    public init(admitted: Bool, requests: Double?, tokens: Double?) {
        self.admitted = admitted
        self.requests = requests
        self.tokens = tokens
    }

    /// The rule both engines apply, in Swift for SQLite (PostgreSQL runs the same steps in
    /// `switchyard_spend`): refill both buckets for the time since `updated`, then admit or refuse
    /// an arrival, then take or give back tokens.
    ///
    /// - Parameters:
    ///   - stored: the row's levels (nil for a new key, or a bucket the key had no limit for: full).
    ///   - elapsedMilliseconds: since the row was last updated (negative counts as zero).
    public static func apply(_ spend: BucketSpend, to stored: BucketLevels?, elapsedMilliseconds: Double) -> BucketLevels {
        let minutes = max(0, elapsedMilliseconds) / 60_000
        func refilled(_ level: Double?, _ limit: Int?) -> Double? {
            guard let limit, limit > 0 else { return nil }
            let capacity = Double(limit)
            guard let level else { return capacity }
            return min(capacity, level + minutes * capacity)
        }
        var requests = refilled(stored?.requests, spend.requestsPerMinute)
        var tokens = refilled(stored?.tokens, spend.tokensPerMinute)
        var admitted = true
        if let estimate = spend.arrivalEstimate {
            let estimate = Double(max(0, estimate))
            if let level = requests, level < 1 { admitted = false }
            if let level = tokens, let limit = spend.tokensPerMinute, estimate > Double(limit) || level < estimate { admitted = false }
            if admitted, let level = requests { requests = level - 1 }
        }
        if let level = tokens, let limit = spend.tokensPerMinute, spend.tokens != 0 {
            tokens = spend.tokens > 0 ? level - Double(spend.tokens) : min(Double(limit), level - Double(spend.tokens))
        }
        return BucketLevels(admitted: admitted, requests: requests, tokens: tokens)
    }
}
