import Foundation
import GRDB

/// One row per request in the fleet database, for `switchyard usage` and billing-style reports.
///
/// `record` commits its own transaction before returning, so a crash of the server right after
/// loses nothing (see `FleetDatabase` on durability). Reads see every committed row, also rows
/// written by another process.
public final class UsageLedger: Sendable {
    public let database: FleetDatabase

    public init(database: FleetDatabase) {
        self.database = database
    }

    /// Appends one row, committed when this returns.
    public func record(_ record: UsageRecord) throws(AccountsError) {
        try database.write("record usage in") { db in
            try db.execute(
                sql: """
                    INSERT INTO usage_record (request_id, time_ms, key_id, key_name, model, tier, endpoint, prompt_tokens,
                        completion_tokens, latency_ms, ttft_ms, status, wake_ms, stream)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    record.requestID, record.time.millisecondsSince1970, record.keyID, record.keyName, record.model,
                    record.tier, record.endpoint, record.promptTokens, record.completionTokens,
                    record.latencyMilliseconds, record.timeToFirstTokenMilliseconds, record.status,
                    record.wakeMilliseconds, record.stream,
                ])
        }
    }

    /// The rows from `since` on (inclusive), oldest first.
    public func records(since: Date) throws(AccountsError) -> [UsageRecord] {
        try database.read("read usage from") { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM usage_record WHERE time_ms >= ? ORDER BY time_ms, id",
                arguments: [since.millisecondsSince1970]
            ).map(Self.record(from:))
        }
    }

    /// Totals and percentiles per group for the rows from `since` on, busiest group first (ties by
    /// name). No rows, no groups.
    public func summary(since: Date, by grouping: UsageGrouping) throws(AccountsError) -> [UsageSummary] {
        let rows = try records(since: since)
        var groups: [String: [UsageRecord]] = [:]
        var order: [String] = []
        func add(_ record: UsageRecord, to group: String) {
            if groups[group] == nil { order.append(group) }
            groups[group, default: []].append(record)
        }
        switch grouping {
        case .none:
            for row in rows { add(row, to: "all") }
        case .model:
            for row in rows { add(row, to: row.model) }
        case .key:
            // Grouped by key id; labelled by the key's latest name, with the id added when two keys
            // (say a revoked one and its replacement) share a name.
            var latestName: [String: String] = [:]
            for row in rows {
                let id = row.keyID ?? ""
                add(row, to: id)
                if let name = row.keyName { latestName[id] = name }
            }
            var labelUses: [String: Int] = [:]
            func label(_ id: String) -> String { id.isEmpty ? "(no key)" : latestName[id] ?? id }
            for id in order { labelUses[label(id), default: 0] += 1 }
            let summaries = order.compactMap { id -> UsageSummary? in
                guard let records = groups[id] else { return nil }
                let name = label(id)
                return UsageSummary(group: (labelUses[name] ?? 0) > 1 ? "\(name) (\(id))" : name, records: records)
            }
            return Self.ordered(summaries)
        }
        return Self.ordered(order.compactMap { name in groups[name].map { UsageSummary(group: name, records: $0) } })
    }

    private static func ordered(_ summaries: [UsageSummary]) -> [UsageSummary] {
        summaries.sorted { ($0.requests, $1.group) > ($1.requests, $0.group) }
    }

    private static func record(from row: Row) -> UsageRecord {
        UsageRecord(
            requestID: row["request_id"], time: Date(millisecondsSince1970: row["time_ms"]), keyID: row["key_id"],
            keyName: row["key_name"], model: row["model"], tier: row["tier"], endpoint: row["endpoint"],
            promptTokens: row["prompt_tokens"], completionTokens: row["completion_tokens"],
            latencyMilliseconds: row["latency_ms"], timeToFirstTokenMilliseconds: row["ttft_ms"],
            status: row["status"], wakeMilliseconds: row["wake_ms"], stream: row["stream"])
    }
}
