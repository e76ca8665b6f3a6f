import Fleet

/// What `/health` and `/metrics` say about the fleet database: whether key lookups or ledger
/// writes are failing, and the spool that holds ledger rows meanwhile.
struct DatabaseHealth: Sendable {
    var degraded: Bool
    var keyLookupFailures: Int
    var rateLimitFailures: Int
    var spooledRows: Int
    var replayedRows: Int
    var pendingRows: Int
}

extension ServingState {
    /// Nil when the server has no fleet database.
    func databaseHealth() async -> DatabaseHealth? {
        guard accounts.store != nil else { return nil }
        let recorder = accounts.recorder
        let ledgerDegraded = recorder?.isDegraded ?? false
        return DatabaseHealth(
            degraded: ledgerDegraded || (accounts.keyCache?.isDegraded ?? false),
            keyLookupFailures: accounts.keyCache?.storeFailures ?? 0,
            rateLimitFailures: (accounts.limiter as? SharedRateLimiter)?.storeFailures ?? 0,
            spooledRows: recorder?.spooledRows ?? 0,
            replayedRows: recorder?.replayedRows ?? 0,
            pendingRows: await recorder?.pendingSpooledRows() ?? 0)
    }
}
