import Foundation
import GRDB

/// The SQLite engine's ledger rows.
extension FleetDatabase {
    public func insertUsage(_ records: [UsageRecord]) async throws(AccountsError) {
        guard !records.isEmpty else { return }
        try await write("record usage in") { db in try Self.insert(records, into: db) }
    }

    /// On GRDB's writer queue, with no task between the caller and it: a request finishing on an
    /// event loop hops to the writer and back, instead of to a task, the writer and the task again.
    public func insertUsage(_ records: [UsageRecord], then done: @escaping @Sendable (AccountsError?) -> Void) {
        guard !records.isEmpty else { return done(nil) }
        guard !isReadOnly else {
            return done(AccountsError(.database, "cannot record usage in \(path): the database is open read-only"))
        }
        pool.asyncWrite({ db in try Self.insert(records, into: db) }) { _, result in
            switch result {
            case .success: done(nil)
            case .failure(let error): done(self.mapped(error, "record usage in"))
            }
        }
    }

    private static func insert(_ records: [UsageRecord], into db: Database) throws {
        let statement = try db.cachedStatement(sql: """
            INSERT INTO usage_record (entry_id, request_id, time_ms, key_id, key_name, model, tier, endpoint,
                prompt_tokens, completion_tokens, latency_ms, ttft_ms, status, wake_ms, stream)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (entry_id) DO NOTHING
            """)
        for record in records {
            try statement.execute(arguments: [
                record.entryID, record.requestID, record.time.millisecondsSince1970, record.keyID, record.keyName,
                record.model, record.tier, record.endpoint, record.promptTokens, record.completionTokens,
                record.latencyMilliseconds, record.timeToFirstTokenMilliseconds, record.status,
                record.wakeMilliseconds, record.stream,
            ])
        }
    }

    public func usageRecords(since: Date) async throws(AccountsError) -> [UsageRecord] {
        try await read("read usage from") { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM usage_record WHERE time_ms >= ? ORDER BY time_ms, id",
                arguments: [since.millisecondsSince1970]
            ).map(Self.record(from:))
        }
    }

    public func deleteUsage(before cutoff: Date, limit: Int) async throws(AccountsError) -> Int {
        try await write("prune usage in") { db in
            try db.execute(
                sql: "DELETE FROM usage_record WHERE id IN (SELECT id FROM usage_record WHERE time_ms < ? LIMIT ?)",
                arguments: [cutoff.millisecondsSince1970, max(1, limit)])
            return db.changesCount
        }
    }

    private static func record(from row: Row) -> UsageRecord {
        UsageRecord(
            entryID: row["entry_id"], requestID: row["request_id"], time: Date(millisecondsSince1970: row["time_ms"]),
            keyID: row["key_id"], keyName: row["key_name"], model: row["model"], tier: row["tier"],
            endpoint: row["endpoint"], promptTokens: row["prompt_tokens"], completionTokens: row["completion_tokens"],
            latencyMilliseconds: row["latency_ms"], timeToFirstTokenMilliseconds: row["ttft_ms"],
            status: row["status"], wakeMilliseconds: row["wake_ms"], stream: row["stream"])
    }
}
