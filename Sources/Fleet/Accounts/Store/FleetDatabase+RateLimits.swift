import Foundation
import GRDB

/// The SQLite engine's rate-limit buckets: the shared rule (`BucketLevels.apply`) in one write
/// transaction, by this machine's clock.
extension FleetDatabase {
    public func spend(_ spend: BucketSpend) async throws(AccountsError) -> BucketLevels {
        try await write("update the rate limits in") { db in
            let now = Date().millisecondsSince1970
            let row = try Row.fetchOne(
                db, sql: "SELECT request_level, token_level, updated_ms FROM rate_bucket WHERE key_id = ?",
                arguments: [spend.keyID])
            let stored = row.map { BucketLevels(admitted: true, requests: $0["request_level"], tokens: $0["token_level"]) }
            let updated: Int64 = row?["updated_ms"] ?? now
            let levels = BucketLevels.apply(spend, to: stored, elapsedMilliseconds: Double(now - updated))
            try db.execute(
                sql: """
                    INSERT INTO rate_bucket (key_id, request_level, token_level, updated_ms) VALUES (?, ?, ?, ?)
                    ON CONFLICT (key_id) DO UPDATE SET request_level = excluded.request_level,
                        token_level = excluded.token_level, updated_ms = MAX(updated_ms, excluded.updated_ms)
                    """,
                arguments: [spend.keyID, levels.requests, levels.tokens, now])
            return levels
        }
    }
}
