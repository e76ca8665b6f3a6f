import HTTPTypes
import Hummingbird
import OpenAIWire

/// Requires `Authorization: Bearer KEY` with one of the configured keys (all but `/health`),
/// comparing in constant time. With no keys configured every request passes.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = SwitchyardRequestContext
    let keys: [[UInt8]]

    init(keys: [String]) {
        self.keys = keys.map { Array($0.utf8) }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !keys.isEmpty, request.uri.path != "/health" else {
            return try await next(request, context)
        }
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
            throw OpenAIError(
                status: 401, message: "You didn't provide an API key. Send it as 'Authorization: Bearer KEY'.",
                type: "invalid_request_error", code: "invalid_api_key")
        }
        let presented = Array(header.utf8.dropFirst(7).drop { $0 == UInt8(ascii: " ") })
        // Every key is compared, so the time taken does not tell which one (or how much) matched.
        var match: Int?
        for (index, key) in keys.enumerated() where Self.constantTimeEqual(key, presented) {
            match = index
        }
        guard let match else { throw OpenAIError.invalidAPIKey() }
        var context = context
        context.client = "key\(match)"
        return try await next(request, context)
    }

    /// Equality whose time depends only on the lengths, not on where the bytes differ.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count) | (a.count == b.count ? 0 : 1)
        let length = max(a.count, b.count)
        for index in 0..<length {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            difference |= x ^ y
        }
        return difference == 0
    }
}
