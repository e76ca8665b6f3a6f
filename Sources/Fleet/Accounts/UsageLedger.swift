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

    /// Deletes the rows recorded before `cutoff`; returns how many went. Deletes in batches,
    /// each its own transaction, so a large backlog never holds the write lock long enough to
    /// delay the rows requests are recording meanwhile.
    @discardableResult
    public func deleteRecords(before cutoff: Date, batchSize: Int = 5000) throws(AccountsError) -> Int {
        var total = 0
        while true {
            let deleted = try database.write("prune usage in") { db in
                try db.execute(
                    sql: "DELETE FROM usage_record WHERE id IN (SELECT id FROM usage_record WHERE time_ms < ? LIMIT ?)",
                    arguments: [cutoff.millisecondsSince1970, max(1, batchSize)])
                return db.changesCount
            }
            total += deleted
            if deleted < max(1, batchSize) { return total }
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
    /// name). No rows, no groups. Only the columns it needs are read (16 bytes a row are kept for the
    /// percentiles), in one read transaction.
    public func summary(since: Date, by grouping: UsageGrouping) throws(AccountsError) -> [UsageSummary] {
        let groups = try database.read("summarise usage in") { db in
            var groups: [String: Accumulator] = [:]
            var order: [String] = []
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT key_id, key_name, model, status, prompt_tokens, completion_tokens, latency_ms, ttft_ms
                    FROM usage_record WHERE time_ms >= ? ORDER BY time_ms, id
                    """,
                arguments: [since.millisecondsSince1970])
            while let row = try rows.next() {
                let group: String = switch grouping {
                case .none: "all"
                case .model: row["model"]
                case .key: row["key_id"] ?? ""
                }
                if groups[group] == nil { order.append(group) }
                groups[group, default: Accumulator()].add(row)
            }
            return order.compactMap { group in groups[group].map { (group, $0) } }
        }
        var summaries: [UsageSummary]
        if grouping == .key {
            // Grouped by key id; labelled by the key's latest name, with the id added when two keys
            // (say a revoked one and its replacement) share a name.
            func label(_ id: String, _ group: Accumulator) -> String { id.isEmpty ? "(no key)" : group.keyName ?? id }
            var uses: [String: Int] = [:]
            for (id, group) in groups { uses[label(id, group), default: 0] += 1 }
            summaries = groups.map { id, group in
                let name = label(id, group)
                return group.summary(named: (uses[name] ?? 0) > 1 ? "\(name) (\(id))" : name)
            }
        } else {
            summaries = groups.map { name, group in group.summary(named: name) }
        }
        return summaries.sorted { ($0.requests, $1.group) > ($1.requests, $0.group) }
    }

    /// One group's running totals.
    private struct Accumulator {
        var requests = 0
        var errors = 0
        var promptTokens = 0
        var completionTokens = 0
        var latencies: [Double] = []
        var firstTokenTimes: [Double] = []
        /// The latest key name seen (rows come oldest first).
        var keyName: String?

        mutating func add(_ row: Row) {
            requests += 1
            if (row["status"] as Int) >= 400 { errors += 1 }
            promptTokens += row["prompt_tokens"] as Int
            completionTokens += row["completion_tokens"] as Int
            latencies.append(row["latency_ms"])
            if let firstToken = row["ttft_ms"] as Double? { firstTokenTimes.append(firstToken) }
            if let name = row["key_name"] as String? { keyName = name }
        }

        func summary(named group: String) -> UsageSummary {
            UsageSummary(
                group: group, requests: requests, errors: errors, promptTokens: promptTokens,
                completionTokens: completionTokens, latencies: latencies, firstTokenTimes: firstTokenTimes)
        }
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
