public import Fleet

/// Who may call the server and what they may use: the keys in the database, the rate limiter
/// over them, the usage ledger, and admin keys given on the command line.
public struct ServerAccounts: Sendable {
    /// Keys created with `switchyard keys create`; `nil` serves without a key database.
    public var keyStore: KeyStore?
    /// Where one row per request goes; `nil` keeps no ledger.
    public var ledger: UsageLedger?
    public var limiter: RateLimiter
    /// Keys (from `--admin-key` / `SWITCHYARD_ADMIN_KEY`) that may also call the admin endpoints.
    public var adminKeys: [String]
    /// Stored Responses API turns (`store: true`); in memory when the server has no database.
    public var responses: any ResponseStore

    public init(
        keyStore: KeyStore? = nil, ledger: UsageLedger? = nil, limiter: RateLimiter = RateLimiter(), adminKeys: [String] = [],
        responses: any ResponseStore = InMemoryResponseStore()
    ) {
        self.keyStore = keyStore
        self.ledger = ledger
        self.limiter = limiter
        self.adminKeys = adminKeys
        self.responses = responses
    }
}
