import HTTPTypes
import Hummingbird
import OpenAIWire

/// Refuses bodies whose declared length is over the limit before reading them (413);
/// handlers also collect bodies with the same limit for chunked uploads.
struct BodyLimitMiddleware: RouterMiddleware {
    typealias Context = SwitchyardRequestContext
    let limit: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw OpenAIError.bodyTooLarge(limit: limit)
        }
        return try await next(request, context)
    }
}
