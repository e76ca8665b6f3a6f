import Fleet
import HTTPTypes
import Hummingbird

/// Puts OpenAI's `x-ratelimit-*` headers on every response to a key that has limits, errors
/// included (so it converts thrown errors into responses itself, as the error middleware would).
struct RateLimitHeadersMiddleware: RouterMiddleware {
    typealias Context = SwitchyardRequestContext
    let limiter: any RateLimiting

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let key = context.apiKey else { return try await next(request, context) }
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = ErrorMapping.response(for: error, request: request, logger: context.logger)
        }
        Self.add(to: &response.headers, key: key, limiter: limiter)
        return response
    }

    /// Sets `key`'s rate-limit headers as they stand now (the gateway fast path's responses get them here too).
    static func add(to headers: inout HTTPFields, key: APIKey, limiter: any RateLimiting) {
        guard let status = limiter.currentStatus(for: key) else { return }
        for (name, value) in status.headers {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
    }
}
