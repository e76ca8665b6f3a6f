public import Fleet
public import Logging

/// Who may call the server and what they may use: the keys in the fleet store, the rate limiter
/// over them, the usage ledger, and admin keys given on the command line.
public struct ServerAccounts: Sendable {
    /// Keys created with `switchyard keys create`; `nil` serves without a key database.
    public var keyStore: KeyStore?
    /// Where one row per request goes; `nil` keeps no ledger.
    public var ledger: UsageLedger?
    /// In memory (one process), or `SharedRateLimiter` over a store replicas share.
    public var limiter: any RateLimiting
    /// Keys (from `--admin-key` / `SWITCHYARD_ADMIN_KEY`) that may also call the admin endpoints.
    public var adminKeys: [String]
    /// Stored Responses API turns (`store: true`); in memory when the server has no database.
    public var responses: any ResponseStore
    /// The store behind the keys and the ledger, closed with the server.
    public var store: (any FleetStore)?
    /// The request path's key lookups (see `KeyCache`).
    public var keyCache: KeyCache?
    /// The request path's ledger writes, batched and spooled (see `UsageRecorder`).
    public var recorder: UsageRecorder?

    /// - Parameter keyCacheMaxAge: how long a key lookup is reused: zero for a SQLite file (every
    ///   request reads it, so a revocation counts at the next request), a second for a database
    ///   shared by replicas (the bound within which they all honour a change).
    public init(
        keyStore: KeyStore? = nil, ledger: UsageLedger? = nil, limiter: any RateLimiting = RateLimiter(), adminKeys: [String] = [],
        responses: any ResponseStore = InMemoryResponseStore(), keyCacheMaxAge: Duration = .zero, spool: UsageSpool? = nil,
        logger: Logger = Logger(label: "switchyard.accounts")
    ) {
        self.keyStore = keyStore
        self.ledger = ledger
        self.limiter = limiter
        self.adminKeys = adminKeys
        self.responses = responses
        self.store = keyStore?.store ?? ledger?.store
        self.keyCache = keyStore.map { KeyCache(keys: $0, maxAge: keyCacheMaxAge) }
        self.recorder = ledger.map { UsageRecorder(ledger: $0, spool: spool, logger: logger) }
    }

    /// Keys, ledger and stored responses in `store`.
    public init(
        store: any FleetStore, limiter: any RateLimiting = RateLimiter(), adminKeys: [String] = [], keyCacheMaxAge: Duration = .zero,
        spool: UsageSpool? = nil, logger: Logger = Logger(label: "switchyard.accounts")
    ) {
        self.init(
            keyStore: KeyStore(store: store), ledger: UsageLedger(store: store), limiter: limiter, adminKeys: adminKeys,
            responses: store, keyCacheMaxAge: keyCacheMaxAge, spool: spool, logger: logger)
    }

    /// Closes the store's connections.
    public func close() async {
        await store?.close()
    }
}
