import OpenAIWire

/// The outcome of `RateLimiter.checkArrival`.
public enum RateLimitDecision: Sendable, Equatable {
    /// The request may go on; the status is for the `x-ratelimit-*` headers (nil: the key has no limits).
    case allowed(RateLimitStatus?)
    /// A limit is used up: answer 429 after `retryAfter`. `limit` is "requests" or "tokens".
    case exceeded(RateLimitStatus, retryAfter: Duration, limit: String)

    /// The status to send in headers, either way.
    public var status: RateLimitStatus? {
        switch self {
        case .allowed(let status): status
        case .exceeded(let status, _, _): status
        }
    }

    /// Whether the request may go on.
    public var isAllowed: Bool {
        if case .allowed = self { return true }
        return false
    }

    /// The 429 to answer with, worded like OpenAI's ("Rate limit reached for key 'ci' on requests per
    /// minute (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s."); nil when allowed.
    ///
    /// - Parameters:
    ///   - keyName: the key's name, quoted in the message.
    ///   - estimatedTokens: what `checkArrival` was asked for (the "Requested" of a token limit).
    public func rateLimitError(keyName: String, estimatedTokens: Int) -> FleetError? {
        guard case .exceeded(let status, let retryAfter, let limit) = self else { return nil }
        let seconds = max(1, Int(retryAfter.inSeconds.rounded(.up)))
        let wait = RateLimitStatus.formatReset(retryAfter)
        if limit == "requests" {
            let cap = status.limitRequests ?? 0
            let used = cap - (status.remainingRequests ?? 0)
            return .rateLimited(
                message: "Rate limit reached for key '\(keyName)' on requests per minute (RPM): Limit \(cap), "
                    + "Used \(used), Requested 1. Please try again in \(wait).",
                retryAfterSeconds: seconds)
        }
        let cap = status.limitTokens ?? 0
        if estimatedTokens > cap {
            return .rateLimited(
                message: "Request too large for key '\(keyName)' on tokens per minute (TPM): Limit \(cap), "
                    + "Requested \(estimatedTokens). The input or output tokens must be reduced in order to run successfully.",
                retryAfterSeconds: seconds)
        }
        let used = cap - (status.remainingTokens ?? 0)
        return .rateLimited(
            message: "Rate limit reached for key '\(keyName)' on tokens per minute (TPM): Limit \(cap), "
                + "Used \(used), Requested \(estimatedTokens). Please try again in \(wait).",
            retryAfterSeconds: seconds)
    }
}
