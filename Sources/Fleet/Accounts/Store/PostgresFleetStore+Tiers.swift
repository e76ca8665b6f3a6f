import Foundation
import PostgresNIO

/// Tier coordination in PostgreSQL: the wake of a tier is a session advisory lock held on one
/// pooled connection for as long as this replica runs the tier's command (a replica that dies
/// drops the connection, and with it the lock); the last time any replica served a tier is a
/// row of `tier_activity`, stamped and read by the database's clock so replicas' clocks never
/// disagree.
extension PostgresFleetStore: TierCoordination {
    /// The first key of the two-key advisory locks of tier wakes ("SYTI"); the second is the tier name's hash.
    static let tierLockClass: Int32 = 0x5359_5449

    static func tierLockKey(_ tier: String) -> Int32 {
        var hash: UInt32 = 0x811c_9dc5
        for byte in tier.utf8 {
            hash ^= UInt32(byte)
            hash &*= 0x0100_0193
        }
        return Int32(bitPattern: hash)
    }

    public func claimWake(tier: String) async throws(AccountsError) -> TierWakeClaim? {
        let key = Self.tierLockKey(tier)
        let (answers, answer) = AsyncStream<Result<Bool, AccountsError>>.makeStream()
        let (releases, release) = AsyncStream<Void>.makeStream()
        let client = client
        let logger = logger
        let holder = Task {
            do {
                try await client.withConnection { connection in
                    let rows = try await connection.query(
                        "SELECT pg_try_advisory_lock(\(Self.tierLockClass), \(key))", logger: logger
                    ).collect()
                    let locked = try rows.first?.decode(Bool.self) ?? false
                    answer.yield(.success(locked))
                    answer.finish()
                    guard locked else { return }
                    for await _ in releases {}
                    _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.tierLockClass), \(key))", logger: logger)
                }
            } catch {
                answer.yield(.failure(self.mapped(error, "claim the wake of tier '\(tier)' in")))
                answer.finish()
            }
        }
        let result = await withDeadline(queryTimeout, "claim the wake of tier '\(tier)' in") { () async throws(AccountsError) -> Bool in
            for await result in answers { return try result.get() }
            throw AccountsError(.database, "the wake lock of tier '\(tier)' gave no answer")
        }
        switch result {
        case .failure(let error):
            release.finish()  // a lock taken after the deadline is let go at once
            throw error
        case .success(false):
            return nil
        case .success(true):
            break
        }
        return TierWakeClaim {
            release.finish()
            await holder.value
        }
    }

    public func recordServed(tier: String) async throws(AccountsError) {
        try await rows(
            "record tier activity in",
            """
            INSERT INTO tier_activity (tier, last_served_ms)
            VALUES (\(tier), (extract(epoch FROM clock_timestamp()) * 1000)::BIGINT)
            ON CONFLICT (tier) DO UPDATE SET last_served_ms = GREATEST(tier_activity.last_served_ms, EXCLUDED.last_served_ms)
            """)
    }

    public func idleTime(tier: String) async throws(AccountsError) -> Duration? {
        let rows = try await rows(
            "read tier activity in",
            """
            SELECT (extract(epoch FROM clock_timestamp()) * 1000)::BIGINT - last_served_ms
            FROM tier_activity WHERE tier = \(tier)
            """)
        guard let row = rows.first else { return nil }
        return try decode("read tier activity in") {
            let idle = try row.decode(Int64.self)
            return Duration.milliseconds(max(idle, 0))
        }
    }

    /// The `v5-tier-activity` migration.
    static let tierActivityMigration: [PostgresQuery] = [
        """
        CREATE TABLE tier_activity (
            tier TEXT PRIMARY KEY NOT NULL,
            last_served_ms BIGINT NOT NULL
        )
        """
    ]
}
