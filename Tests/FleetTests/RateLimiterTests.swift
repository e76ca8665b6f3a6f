import Fleet
import Foundation
import Testing

@Suite struct RateLimiterTests {
    private let t0 = ContinuousClock.now

    private func key(_ name: String = "ci", rpm: Int? = nil, tpm: Int? = nil) -> APIKey {
        APIKey(
            id: "key_\(name)", name: name, prefix: "sy-abcdefg", requestsPerMinute: rpm, tokensPerMinute: tpm,
            createdAt: Date(timeIntervalSince1970: 0))
    }

    private func retryAfter(_ decision: RateLimitDecision) -> Duration? {
        if case .exceeded(_, let retryAfter, _) = decision { return retryAfter }
        return nil
    }

    private func limit(_ decision: RateLimitDecision) -> String? {
        if case .exceeded(_, _, let limit) = decision { return limit }
        return nil
    }

    @Test func keysWithoutLimitsAlwaysPass() {
        let limiter = RateLimiter()
        let open = key()
        for _ in 0..<1000 {
            #expect(limiter.checkArrival(key: open, estimatedTokens: 1_000_000, now: t0) == .allowed(nil))
        }
        #expect(limiter.status(for: open, now: t0) == nil)
        let reservation = limiter.reserve(key: open, tokens: 50, now: t0)
        limiter.settle(reservation, actualTokens: 10, now: t0)
        #expect(RateLimitDecision.allowed(nil).rateLimitError(keyName: "x", estimatedTokens: 1) == nil)
    }

    @Test func requestsRunOutThenRefill() {
        let limiter = RateLimiter()
        let ci = key(rpm: 3)
        for remaining in [2, 1, 0] {
            let decision = limiter.checkArrival(key: ci, estimatedTokens: 100, now: t0)
            #expect(decision.isAllowed)
            #expect(decision.status?.remainingRequests == remaining)
            #expect(decision.status?.limitRequests == 3)
            #expect(decision.status?.limitTokens == nil && decision.status?.remainingTokens == nil)
        }
        let refused = limiter.checkArrival(key: ci, estimatedTokens: 100, now: t0)
        #expect(!refused.isAllowed)
        #expect(limit(refused) == "requests")
        #expect(retryAfter(refused) == .seconds(20))
        #expect(refused.status?.remainingRequests == 0)
        #expect(refused.status?.resetRequests == .seconds(60))
        #expect(refused.rateLimitError(keyName: "ci", estimatedTokens: 100) == .rateLimited(
            message: "Rate limit reached for key 'ci' on requests per minute (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.",
            retryAfterSeconds: 20))

        // A refused request takes nothing: 19.9 s later still refused, with 100 ms to wait.
        let almost = limiter.checkArrival(key: ci, estimatedTokens: 1, now: t0 + .milliseconds(19_900))
        #expect(retryAfter(almost).map(RateLimitStatus.formatReset) == "100ms")
        // 20 s after the third: one request refilled.
        #expect(limiter.checkArrival(key: ci, estimatedTokens: 1, now: t0 + .seconds(20)).isAllowed)
        #expect(!limiter.checkArrival(key: ci, estimatedTokens: 1, now: t0 + .seconds(20)).isAllowed)
        // Refilling stops at the limit.
        let later = limiter.status(for: ci, now: t0 + .seconds(600))
        #expect(later == RateLimitStatus(limitRequests: 3, remainingRequests: 3, resetRequests: .zero))
        // An instant earlier than the last update changes nothing.
        #expect(limiter.status(for: ci, now: t0) == later)
    }

    @Test func tokensAreCheckedAtArrivalAndTakenAtDispatch() {
        let limiter = RateLimiter()
        let ci = key(tpm: 1000)
        // Arrival checks without taking: any number of 800-token requests pass while nothing is reserved.
        for _ in 0..<5 {
            let decision = limiter.checkArrival(key: ci, estimatedTokens: 800, now: t0)
            #expect(decision.isAllowed)
            #expect(decision.status?.remainingTokens == 1000)
        }
        let reservation = limiter.reserve(key: ci, tokens: 800, now: t0)
        #expect(reservation == RateLimitReservation(keyID: ci.id, tokens: 800))
        #expect(limiter.status(for: ci, now: t0)?.remainingTokens == 200)

        let refused = limiter.checkArrival(key: ci, estimatedTokens: 500, now: t0)
        #expect(limit(refused) == "tokens")
        #expect(retryAfter(refused) == .seconds(18))  // 300 tokens at 1000 per minute
        #expect(refused.rateLimitError(keyName: "ci", estimatedTokens: 500) == .rateLimited(
            message: "Rate limit reached for key 'ci' on tokens per minute (TPM): Limit 1000, Used 800, Requested 500. Please try again in 18s.",
            retryAfterSeconds: 18))
        #expect(limiter.checkArrival(key: ci, estimatedTokens: 200, now: t0).isAllowed)
        #expect(limiter.checkArrival(key: ci, estimatedTokens: 500, now: t0 + .seconds(18)).isAllowed)
    }

    @Test func settleRefundsOrChargesTheDifference() {
        let limiter = RateLimiter()
        let ci = key(tpm: 1000)
        let generous = limiter.reserve(key: ci, tokens: 800, now: t0)
        limiter.settle(generous, actualTokens: 300, now: t0)
        #expect(limiter.status(for: ci, now: t0)?.remainingTokens == 700)

        let short = limiter.reserve(key: ci, tokens: 100, now: t0)
        limiter.settle(short, actualTokens: 400, now: t0)
        #expect(limiter.status(for: ci, now: t0)?.remainingTokens == 300)

        // A refund never fills beyond the limit.
        let late = limiter.reserve(key: ci, tokens: 500, now: t0)
        limiter.settle(late, actualTokens: 0, now: t0 + .seconds(120))
        #expect(limiter.status(for: ci, now: t0 + .seconds(120))?.remainingTokens == 1000)
    }

    @Test func debtDelaysLaterRequests() {
        let limiter = RateLimiter()
        let ci = key(rpm: 100, tpm: 1000)
        #expect(limiter.checkArrival(key: ci, estimatedTokens: 1000, now: t0).isAllowed)
        _ = limiter.reserve(key: ci, tokens: 1500, now: t0)
        let status = limiter.status(for: ci, now: t0)
        #expect(status?.remainingTokens == 0)
        #expect(status?.resetTokens == .seconds(90))  // 1500 tokens to refill
        let refused = limiter.checkArrival(key: ci, estimatedTokens: 1, now: t0)
        #expect(limit(refused) == "tokens")
        #expect(retryAfter(refused).map(RateLimitStatus.formatReset) == "30.06s")  // 501 tokens
        #expect(refused.status?.remainingRequests == 99)  // the refused request took nothing
        #expect(!limiter.checkArrival(key: ci, estimatedTokens: 1, now: t0 + .seconds(30)).isAllowed)
        #expect(limiter.checkArrival(key: ci, estimatedTokens: 1, now: t0 + .milliseconds(30_070)).isAllowed)
    }

    @Test func aRequestLargerThanTheWholeLimitIsRefused() {
        let limiter = RateLimiter()
        let ci = key(tpm: 1000)
        let decision = limiter.checkArrival(key: ci, estimatedTokens: 5000, now: t0)
        #expect(limit(decision) == "tokens")
        #expect(decision.rateLimitError(keyName: "ci", estimatedTokens: 5000) == .rateLimited(
            message: "Request too large for key 'ci' on tokens per minute (TPM): Limit 1000, Requested 5000. "
                + "The input or output tokens must be reduced in order to run successfully.",
            retryAfterSeconds: 1))
        #expect(limiter.checkArrival(key: ci, estimatedTokens: 1000, now: t0).isAllowed)
    }

    @Test func theLongerWaitIsReportedWhenBothLimitsAreOut() {
        let limiter = RateLimiter()
        let ci = key(rpm: 1, tpm: 600)
        #expect(limiter.checkArrival(key: ci, estimatedTokens: 600, now: t0).isAllowed)
        _ = limiter.reserve(key: ci, tokens: 600, now: t0)
        // 30 s later both need 30 s more: half a request, 300 of 600 tokens.
        let decision = limiter.checkArrival(key: ci, estimatedTokens: 600, now: t0 + .seconds(30))
        #expect(retryAfter(decision) == .seconds(30))
        let tokensLonger = RateLimiter()
        #expect(tokensLonger.checkArrival(key: ci, estimatedTokens: 0, now: t0).isAllowed)
        _ = tokensLonger.reserve(key: ci, tokens: 1200, now: t0)
        let second = tokensLonger.checkArrival(key: ci, estimatedTokens: 100, now: t0)
        #expect(limit(second) == "tokens")
        #expect(retryAfter(second) == .seconds(70))  // requests: 60 s; tokens: 700 at 10 per second
    }

    @Test func keysHaveTheirOwnBucketsAndChangedLimitsApply() {
        let limiter = RateLimiter()
        let first = key("first", rpm: 1)
        let second = key("second", rpm: 1)
        #expect(limiter.checkArrival(key: first, estimatedTokens: 0, now: t0).isAllowed)
        #expect(!limiter.checkArrival(key: first, estimatedTokens: 0, now: t0).isAllowed)
        #expect(limiter.checkArrival(key: second, estimatedTokens: 0, now: t0).isAllowed)
        var raised = first
        raised.requestsPerMinute = 10
        let status = limiter.status(for: raised, now: t0)
        #expect(status?.limitRequests == 10 && status?.remainingRequests == 0)
        #expect(limiter.checkArrival(key: raised, estimatedTokens: 0, now: t0 + .seconds(6)).isAllowed)
        limiter.forget(keyID: first.id)
        #expect(limiter.status(for: first, now: t0)?.remainingRequests == 1)
    }

    @Test func headersMatchOpenAI() {
        let limiter = RateLimiter()
        let ci = key(rpm: 60, tpm: 150_000)
        #expect(limiter.checkArrival(key: ci, estimatedTokens: 16, now: t0).isAllowed)
        _ = limiter.reserve(key: ci, tokens: 16, now: t0)
        let headers = limiter.status(for: ci, now: t0)?.headers ?? []
        #expect(headers.map(\.0) == [
            "x-ratelimit-limit-requests", "x-ratelimit-limit-tokens", "x-ratelimit-remaining-requests",
            "x-ratelimit-remaining-tokens", "x-ratelimit-reset-requests", "x-ratelimit-reset-tokens",
        ])
        #expect(headers.map(\.1) == ["60", "150000", "59", "149984", "1s", "7ms"])
        let onlyRequests = RateLimitStatus(limitRequests: 5, remainingRequests: 4, resetRequests: .seconds(12)).headers
        #expect(onlyRequests.map(\.0) == ["x-ratelimit-limit-requests", "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests"])
        #expect(onlyRequests.map(\.1) == ["5", "4", "12s"])
    }

    @Test func resetDurationsReadLikeOpenAIs() {
        let cases: [(Duration, String)] = [
            (.zero, "0s"), (.seconds(-3), "0s"), (.microseconds(400), "1ms"), (.milliseconds(6), "6ms"),
            (.milliseconds(120), "120ms"), (.milliseconds(999), "999ms"), (.seconds(1), "1s"),
            (.milliseconds(1500), "1.5s"), (.milliseconds(8640), "8.64s"), (.milliseconds(59_500), "59.5s"),
            (.seconds(60), "1m0s"), (.milliseconds(62_345), "1m2.345s"), (.seconds(360), "6m0s"),
            (.seconds(3600), "1h0m0s"), (.seconds(3723), "1h2m3s"), (.microseconds(20_000_500), "20.001s"),
        ]
        for (duration, text) in cases {
            #expect(RateLimitStatus.formatReset(duration) == text, "\(duration)")
        }
    }

    @Test func concurrentArrivalsTakeExactlyTheLimit() async {
        let limiter = RateLimiter()
        let ci = key(rpm: 100)
        let now = t0
        let allowed = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var count = 0
                    for _ in 0..<40 where limiter.checkArrival(key: ci, estimatedTokens: 1, now: now).isAllowed {
                        count += 1
                    }
                    return count
                }
            }
            return await group.reduce(0, +)
        }
        #expect(allowed == 100)
    }
}
