import Foundation

/// The fleet's shared state behind one asynchronous interface with two engines: SQLite through GRDB
/// (`FleetDatabase`, the embedded default for one machine) and PostgreSQL through postgres-nio
/// (`PostgresFleetStore`, shared by replicas). Same schema, same migrations, same test suite.
///
/// It is a composition of small record protocols, one per concern (keys, the ledger, rate-limit
/// buckets, stored responses), so a new concern (tier coordination) joins as one more protocol
/// that both engines adopt. The engines store and fetch rows; the rules (validation, secrets,
/// summaries) live once above them in `KeyStore` and `UsageLedger`.
///
/// Every call is `async` and never blocks the caller's thread: GRDB runs SQLite on its own
/// dispatch queues, postgres-nio talks to the server on NIO event loops.
public protocol FleetStore: KeyRecords, UsageRecords, RateLimitRecords, ResponseStore {
    /// Where the store lives, for messages: the SQLite path, or the PostgreSQL URL without its password.
    var location: String { get }

    /// The names of the schema migrations applied, in order (both engines name them alike).
    func appliedMigrations() async throws(AccountsError) -> [String]

    /// Releases the connections. The store answers nothing afterwards.
    func close() async
}

/// API key rows. Secrets never reach the store: only their SHA-256 (see `KeySecret`).
public protocol KeyRecords: Sendable {
    /// Inserts a new, active key.
    ///
    /// - Throws: `.duplicateName` when an active key already has the name (checked atomically with
    ///   the insert, so two processes creating the same name at once cannot both succeed).
    func insertKey(_ key: APIKey, secretSHA256: String) async throws(AccountsError)

    /// Every key (the active ones only unless `includeRevoked`), in the order they were created.
    func keys(includeRevoked: Bool) async throws(AccountsError) -> [APIKey]

    /// The key with this id, active or revoked.
    func key(id: String) async throws(AccountsError) -> APIKey?

    /// The active key with this name.
    func activeKey(named name: String) async throws(AccountsError) -> APIKey?

    /// How many revoked keys carry this name.
    func revokedKeyCount(named name: String) async throws(AccountsError) -> Int

    /// Marks the key revoked at `time`; false when it was already revoked (or is unknown).
    func markRevoked(id: String, at time: Date) async throws(AccountsError) -> Bool

    /// The active key whose secret hashes to `secretSHA256`.
    func activeKey(secretSHA256: String) async throws(AccountsError) -> APIKey?

    /// Whether any key is active.
    func hasActiveKeys() async throws(AccountsError) -> Bool
}

/// Usage ledger rows.
public protocol UsageRecords: Sendable {
    /// Appends the rows in one transaction, committed when this returns. A row whose `entryID` is
    /// already stored is skipped, so writing a batch again (a retry, a spool replay) adds nothing twice.
    func insertUsage(_ records: [UsageRecord]) async throws(AccountsError)

    /// `insertUsage` for a caller on an event loop: returns at once, and `done` runs once the rows
    /// are committed (with `nil`) or the write failed, on a thread of the store's.
    func insertUsage(_ records: [UsageRecord], then done: @escaping @Sendable (AccountsError?) -> Void)

    /// The rows from `since` on (inclusive), oldest first, from every process writing to the store.
    func usageRecords(since: Date) async throws(AccountsError) -> [UsageRecord]

    /// Deletes at most `limit` rows recorded before `cutoff`; returns how many went.
    func deleteUsage(before cutoff: Date, limit: Int) async throws(AccountsError) -> Int
}

extension UsageRecords {
    /// From a task of its own (a store whose writes are only asynchronous functions).
    public func insertUsage(_ records: [UsageRecord], then done: @escaping @Sendable (AccountsError?) -> Void) {
        Task {
            do throws(AccountsError) {
                try await insertUsage(records)
                done(nil)
            } catch {
                done(error)
            }
        }
    }
}
