import HTTPTypes
import Hummingbird
import Logging
import OpenAIWire

/// Turns every error a handler throws into OpenAI's error body: the one place errors become
/// HTTP responses (see `ErrorMapping`).
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = SwitchyardRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let mapped = ErrorMapping.openAIError(for: error, request: request)
            if mapped.status >= 500 {
                context.logger.error("request failed", metadata: ["error": "\(error)"])
            } else {
                context.logger.debug("request refused", metadata: ["error.message": "\(mapped.message)"])
            }
            return ErrorMapping.response(for: mapped, retryAfter: ErrorMapping.retryAfter(for: error))
        }
    }
}
