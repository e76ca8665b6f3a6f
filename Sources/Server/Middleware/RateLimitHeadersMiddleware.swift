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
        if let status = limiter.currentStatus(for: key) {
            for (name, value) in status.headers {
                if let field = HTTPField.Name(name) { response.headers[field] = value }
            }
        }
        return response
    }
}
