import Foundation
import Hummingbird
import NIOHTTP1
import OpenAIWire
import Testing

@testable import Fleet

/// An upstream's own rate limit reaches the client with the wait it asked for, so the
/// client's SDK backs off as long as the provider wants (not its own guess).
@Suite struct UpstreamRetryAfterTests {
    @Test func anUpstream429KeepsItsErrorAndItsRetryAfter() async throws {
        let limited = UpstreamDocuments.error(
            message: "Rate limit reached for requests.", type: "requests", param: nil, code: "rate_limit_exceeded")
        try await FakeUpstream.run({ _ in
            var response = Response.upstreamJSON(limited, status: .tooManyRequests)
            response.headers[.retryAfter] = "7"
            return response
        }) { fake in
            let error = try await withUpstreamBackend([upstreamTarget(fake.baseURL)]) { backend in await upstreamSendFailure(backend) }
            let failure = try #require(error)
            #expect(failure.status == 429)
            #expect(failure.code == "rate_limit_exceeded")
            #expect(failure.retryAfterMilliseconds == 7000)
            #expect(fake.requests.count == 1)
        }
    }

    @Test func readsMillisecondsSecondsAndDates() {
        func wait(_ fields: [(String, String)]) -> Int? {
            UpstreamBackend.retryAfterMilliseconds(HTTPHeaders(fields), now: Date(timeIntervalSince1970: 1_700_000_000))
        }
        #expect(wait([("retry-after-ms", "1500.2"), ("retry-after", "9")]) == 1501, "the finer header wins")
        #expect(wait([("retry-after", "2.5")]) == 2500)
        #expect(wait([("retry-after", "Tue, 14 Nov 2023 22:13:50 GMT")]) == 30_000)
        #expect(wait([("retry-after", "Tue, 14 Nov 2023 22:00:00 GMT")]) == 0, "a date in the past means now")
        #expect(wait([("retry-after", "soon")]) == nil)
        #expect(wait([("retry-after", "-3")]) == nil)
        #expect(wait([]) == nil)
        #expect(wait([("retry-after", "99999999")]) == 86_400_000, "capped at a day")
    }
}
