import HTTPTypes
import Hummingbird
import Logging

/// Gives every request an id (the client's `x-request-id` when it sent a sane one) and puts
/// it on every response, errors included.
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = SwitchyardRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let id = Self.id(sent: request.headers[.requestID])
        context.requestID = id
        context.logger[metadataKey: "request.id"] = .string(id)
        var response = try await next(request, context)
        response.headers[.requestID] = id
        return response
    }

    /// The request's id: the client's `x-request-id` when it sent a sane one, else a new one.
    static func id(sent: String?) -> String {
        sent.flatMap { $0.count <= 128 && $0.allSatisfy { $0.isASCII && !$0.isWhitespace } ? $0 : nil }
            ?? "req_" + RandomID.make(length: 24)
    }
}

extension HTTPField.Name {
    static let requestID = HTTPField.Name("x-request-id")!
    static let defaulted = HTTPField.Name("x-switchyard-defaulted")!
    static let ignored = HTTPField.Name("x-switchyard-ignored")!
    static let shouldRetry = HTTPField.Name("x-should-retry")!
    static let wakeMilliseconds = HTTPField.Name("x-switchyard-wake-ms")!
}
