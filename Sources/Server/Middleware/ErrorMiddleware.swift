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
            return ErrorMapping.response(for: error, request: request, logger: context.logger)
        }
    }
}
