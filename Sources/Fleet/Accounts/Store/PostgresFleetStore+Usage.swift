import Foundation
import PostgresNIO

/// The PostgreSQL engine's ledger rows.
extension PostgresFleetStore {
    private static let usageColumns = """
        entry_id, request_id, time_ms, key_id, key_name, model, tier, endpoint, prompt_tokens, completion_tokens,
        latency_ms, ttft_ms, status, wake_ms, stream
        """

    /// One multi-row `INSERT … ON CONFLICT (entry_id) DO NOTHING` per batch: one round trip, one
    /// transaction, whatever the batch's size (up to the protocol's 65535 parameters: 4000 rows).
    public func insertUsage(_ records: [UsageRecord]) async throws(AccountsError) {
        for start in stride(from: 0, to: records.count, by: 4000) {
            let batch = records[start..<min(records.count, start + 4000)]
            var sql = "INSERT INTO usage_record (\(Self.usageColumns)) VALUES "
            var bindings = PostgresBindings(capacity: batch.count * 15)
            for (index, record) in batch.enumerated() {
                let first = index * 15
                sql += (index == 0 ? "" : ", ") + "(" + (1...15).map { "$\(first + $0)" }.joined(separator: ", ") + ")"
                bindings.append(record.entryID)
                bindings.append(record.requestID)
                bindings.append(record.time.millisecondsSince1970)
                bindings.append(record.keyID)
                bindings.append(record.keyName)
                bindings.append(record.model)
                bindings.append(record.tier)
                bindings.append(record.endpoint)
                bindings.append(record.promptTokens)
                bindings.append(record.completionTokens)
                bindings.append(record.latencyMilliseconds)
                bindings.append(record.timeToFirstTokenMilliseconds)
                bindings.append(record.status)
                bindings.append(record.wakeMilliseconds)
                bindings.append(record.stream)
            }
            sql += " ON CONFLICT (entry_id) DO NOTHING"
            try await rows("record usage in", PostgresQuery(unsafeSQL: sql, binds: bindings))
        }
    }

    public func usageRecords(since: Date) async throws(AccountsError) -> [UsageRecord] {
        var records: [UsageRecord] = []
        do {
            let rows = try await client.query(
                """
                SELECT \(unescaped: Self.usageColumns) FROM usage_record
                WHERE time_ms >= \(since.millisecondsSince1970) ORDER BY time_ms, id
                """, logger: logger)
            for try await row in rows {
                let cells = row.makeRandomAccess()
                records.append(UsageRecord(
                    entryID: try cells["entry_id"].decode(String.self),
                    requestID: try cells["request_id"].decode(String.self),
                    time: Date(millisecondsSince1970: try cells["time_ms"].decode(Int64.self)),
                    keyID: try cells["key_id"].decode(String?.self), keyName: try cells["key_name"].decode(String?.self),
                    model: try cells["model"].decode(String.self), tier: try cells["tier"].decode(String?.self),
                    endpoint: try cells["endpoint"].decode(String.self),
                    promptTokens: try cells["prompt_tokens"].decode(Int.self),
                    completionTokens: try cells["completion_tokens"].decode(Int.self),
                    latencyMilliseconds: try cells["latency_ms"].decode(Double.self),
                    timeToFirstTokenMilliseconds: try cells["ttft_ms"].decode(Double?.self),
                    status: try cells["status"].decode(Int.self),
                    wakeMilliseconds: try cells["wake_ms"].decode(Double?.self),
                    stream: try cells["stream"].decode(Bool.self)))
            }
        } catch {
            throw mapped(error, "read usage from")
        }
        return records
    }

    public func deleteUsage(before cutoff: Date, limit: Int) async throws(AccountsError) -> Int {
        try await rows(
            "prune usage in",
            """
            DELETE FROM usage_record WHERE id IN (
                SELECT id FROM usage_record WHERE time_ms < \(cutoff.millisecondsSince1970) LIMIT \(max(1, limit)))
            RETURNING id
            """
        ).count
    }
}
