import Fleet
import Foundation
import HTTPTypes
import Hummingbird
import OpenAIWire
import Testing

/// An upstream's own rate limit reaches the client with the wait it asked for, so the
/// client's SDK backs off as long as the provider wants (not its own guess).
@Suite struct UpstreamRetryAfterTests {
    /// The error for one request answered 429 with `headers`.
    static func rateLimited(headers: [(String, String)]) async throws -> OpenAIError {
        let limited = UpstreamDocuments.error(
            message: "Rate limit reached for requests.", type: "requests", param: nil, code: "rate_limit_exceeded")
        return try await FakeUpstream.run({ _ in
            var response = Response.upstreamJSON(limited, status: .tooManyRequests)
            for (name, value) in headers { response.headers[HTTPField.Name(name)!] = value }
            return response
        }) { fake in
            let error = try await withUpstreamBackend([upstreamTarget(fake.baseURL)]) { backend in await upstreamSendFailure(backend) }
            #expect(fake.requests.count == 1, "a rate-limited request is not retried upstream")
            return try #require(error)
        }
    }

    @Test func anUpstream429KeepsItsErrorAndItsRetryAfter() async throws {
        let failure = try await Self.rateLimited(headers: [("retry-after", "7")])
        #expect(failure.status == 429)
        #expect(failure.code == "rate_limit_exceeded")
        #expect(failure.retryAfterMilliseconds == 7000)
    }

    @Test func readsMillisecondsFractionsAndDates() async throws {
        #expect(try await Self.rateLimited(headers: [("retry-after-ms", "1500.2"), ("retry-after", "9")]).retryAfterMilliseconds == 1501)
        #expect(try await Self.rateLimited(headers: [("retry-after", "2.5")]).retryAfterMilliseconds == 2500)
        let format = DateFormatter()
        format.locale = Locale(identifier: "en_US_POSIX")
        format.timeZone = TimeZone(identifier: "GMT")
        format.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let inThirty = format.string(from: Date().addingTimeInterval(30))
        let wait = try #require(try await Self.rateLimited(headers: [("retry-after", inThirty)]).retryAfterMilliseconds)
        #expect((25_000...31_000).contains(wait), "an HTTP date 30 s ahead: \(wait) ms")
        #expect(try await Self.rateLimited(headers: [("retry-after", "soon")]).retryAfterMilliseconds == nil)
        #expect(try await Self.rateLimited(headers: [("retry-after", "-3")]).retryAfterMilliseconds == nil)
        #expect(try await Self.rateLimited(headers: []).retryAfterMilliseconds == nil)
        #expect(try await Self.rateLimited(headers: [("retry-after", "99999999")]).retryAfterMilliseconds == 86_400_000, "capped at a day")
    }
}
