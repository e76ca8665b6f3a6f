import Fleet
import HTTPTypes
import Hummingbird
import OpenAIWire

/// Requires `Authorization: Bearer KEY` (all but `/health`) when the server has any key: one of
/// the command-line keys (compared in constant time), an admin key, or an active key from the
/// key database (looked up by hash through `KeyCache`: a revocation counts at the next request with
/// SQLite, within a second on every replica with PostgreSQL). With no key anywhere,
/// every request passes and may use the admin endpoints (the server then listens on loopback only).
struct AuthMiddleware: RouterMiddleware {
    typealias Context = SwitchyardRequestContext
    let keys: [[UInt8]]
    let adminKeys: [[UInt8]]
    let keyCache: KeyCache?

    init(keys: [String], adminKeys: [String], keyCache: KeyCache?) {
        self.keys = keys.map { Array($0.utf8) }
        self.adminKeys = adminKeys.map { Array($0.utf8) }
        self.keyCache = keyCache
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        guard request.uri.path != "/health", try await requiresKey() else {
            context.isAdmin = true
            return try await next(request, context)
        }
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
            throw OpenAIError(
                status: 401, message: "You didn't provide an API key. Send it as 'Authorization: Bearer KEY'.",
                type: "invalid_request_error", code: "invalid_api_key")
        }
        let presented = String(header.dropFirst(7).drop { $0 == " " })
        let bytes = Array(presented.utf8)
        if let index = Self.match(bytes, in: adminKeys) {
            context.client = "admin\(index)"
            context.isAdmin = true
        } else if let index = Self.match(bytes, in: keys) {
            context.client = "key\(index)"
        } else if let key = try await lookUp(presented) {
            context.client = key.id
            context.apiKey = key
            context.isAdmin = key.isAdmin
        } else {
            throw OpenAIError.invalidAPIKey()
        }
        return try await next(request, context)
    }

    private func requiresKey() async throws -> Bool {
        if !keys.isEmpty || !adminKeys.isEmpty { return true }
        do {
            return try await keyCache?.hasActiveKeys() ?? false
        } catch {
            throw Self.unavailable(error)
        }
    }

    private func lookUp(_ secret: String) async throws -> APIKey? {
        do {
            return try await keyCache?.authenticate(secret: secret)
        } catch {
            throw Self.unavailable(error)
        }
    }

    /// The key database cannot answer and the key is not cached: fail closed, with a clear 503
    /// the SDKs retry.
    static func unavailable(_ error: AccountsError) -> OpenAIError {
        OpenAIError(
            status: 503, message: "The key database is unavailable, so this API key cannot be checked; try again shortly.",
            type: "server_error", code: "key_database_unavailable")
    }

    /// The index of the key equal to `presented`; every key is compared, so the time taken does
    /// not tell which one (or how much) matched.
    static func match(_ presented: [UInt8], in keys: [[UInt8]]) -> Int? {
        var match: Int?
        for (index, key) in keys.enumerated() where constantTimeEqual(key, presented) {
            match = index
        }
        return match
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
