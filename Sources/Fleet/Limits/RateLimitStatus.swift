/// A key's limits and what is left of them now, as OpenAI reports them in `x-ratelimit-*` headers.
/// The request fields are nil when the key has no requests-per-minute limit, the token fields when it
/// has no tokens-per-minute limit.
public struct RateLimitStatus: Sendable, Equatable {
    public var limitRequests: Int?
    /// floor of the bucket's level, at least 0.
    public var remainingRequests: Int?
    /// Time until the request bucket is full again.
    public var resetRequests: Duration?
    public var limitTokens: Int?
    /// floor of the bucket's level, at least 0 (also while in debt).
    public var remainingTokens: Int?
    /// Time until the token bucket is full again (debt included).
    public var resetTokens: Duration?

    public init(
        limitRequests: Int? = nil, remainingRequests: Int? = nil, resetRequests: Duration? = nil,
        limitTokens: Int? = nil, remainingTokens: Int? = nil, resetTokens: Duration? = nil
    ) {
        self.limitRequests = limitRequests
        self.remainingRequests = remainingRequests
        self.resetRequests = resetRequests
        self.limitTokens = limitTokens
        self.remainingTokens = remainingTokens
        self.resetTokens = resetTokens
    }
}
