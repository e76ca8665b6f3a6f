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
        var storeHasKeys: Bool?
        var storeKey: APIKey??
        while true {
            switch step(path: request.uri.path, authorization: request.headers[.authorization], storeHasKeys: storeHasKeys, storeKey: storeKey) {
            case .identified(let identity):
                context.client = identity.client
                context.apiKey = identity.apiKey
                context.isAdmin = identity.isAdmin
                return try await next(request, context)
            case .refused(let error):
                throw error
            case .askStoreHasKeys:
                storeHasKeys = try await hasActiveKeys()
            case .askStoreKey(let secret):
                storeKey = .some(try await lookUp(secret))
            }
        }
    }

    /// Who a request is, once known.
    struct Identity {
        var client: String
        var apiKey: APIKey?
        var isAdmin: Bool
    }

    /// Where authenticating a request stands: decided, or waiting for an answer of the key database.
    enum Step {
        case identified(Identity)
        case refused(OpenAIError)
        /// Whether any database key is active decides whether a key is needed at all.
        case askStoreHasKeys
        /// The presented secret is no command-line or admin key: the database knows it or not.
        case askStoreKey(String)
    }

    /// The rules, given what the key database said so far (`nil`: not asked yet).
    func step(path: String, authorization: String?, storeHasKeys: Bool?, storeKey: APIKey??) -> Step {
        let open = Identity(client: "anonymous", apiKey: nil, isAdmin: true)
        if path == "/health" { return .identified(open) }
        if keys.isEmpty, adminKeys.isEmpty, keyCache != nil {
            guard let storeHasKeys else { return .askStoreHasKeys }
            if !storeHasKeys { return .identified(open) }
        } else if keys.isEmpty, adminKeys.isEmpty {
            return .identified(open)
        }
        guard let header = authorization, header.lowercased().hasPrefix("bearer ") else {
            return .refused(
                OpenAIError(
                    status: 401, message: "You didn't provide an API key. Send it as 'Authorization: Bearer KEY'.",
                    type: "invalid_request_error", code: "invalid_api_key"))
        }
        let presented = String(header.dropFirst(7).drop { $0 == " " })
        let bytes = Array(presented.utf8)
        if let index = Self.match(bytes, in: adminKeys) {
            return .identified(Identity(client: "admin\(index)", apiKey: nil, isAdmin: true))
        }
        if let index = Self.match(bytes, in: keys) {
            return .identified(Identity(client: "key\(index)", apiKey: nil, isAdmin: false))
        }
        guard keyCache != nil else { return .refused(OpenAIError.invalidAPIKey()) }
        guard let storeKey else { return .askStoreKey(presented) }
        guard let key = storeKey else { return .refused(OpenAIError.invalidAPIKey()) }
        return .identified(Identity(client: key.id, apiKey: key, isAdmin: key.isAdmin))
    }

    /// `step` with the key cache's fresh answers only (no database round trip): `nil` when the
    /// database would have to be asked (the caller then goes the asynchronous way).
    func identifyFromCache(path: String, authorization: String?) -> Step? {
        var storeHasKeys: Bool?
        var storeKey: APIKey??
        while true {
            let next = step(path: path, authorization: authorization, storeHasKeys: storeHasKeys, storeKey: storeKey)
            switch next {
            case .identified, .refused: return next
            case .askStoreHasKeys:
                guard let cached = keyCache?.cachedHasActiveKeys() else { return nil }
                storeHasKeys = cached
            case .askStoreKey(let secret):
                guard let cached = keyCache?.cachedKey(secret: secret) else { return nil }
                storeKey = .some(cached)
            }
        }
    }

    private func hasActiveKeys() async throws -> Bool {
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
