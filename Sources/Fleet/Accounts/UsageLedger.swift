import Foundation

/// One row per request in the fleet store, for `switchyard usage` and billing-style reports.
///
/// `record` commits before returning, so a crash of the server right after loses nothing (see
/// `FleetDatabase` on durability). Reads see every committed row, also rows written by other
/// processes (with PostgreSQL: every replica's).
public final class UsageLedger: Sendable {
    public let store: any FleetStore

    public init(store: any FleetStore) {
        self.store = store
    }

    /// Appends one row, committed when this returns.
    public func record(_ record: UsageRecord) async throws(AccountsError) {
        try await store.insertUsage([record])
    }

    /// Appends rows in one transaction, committed when this returns; rows already stored (by entry
    /// id) are skipped.
    public func record(_ records: [UsageRecord]) async throws(AccountsError) {
        try await store.insertUsage(records)
    }

    /// `record(_:)` for a caller on an event loop: `done` runs once the rows are committed (`nil`)
    /// or the write failed, on a thread of the store's.
    public func record(_ records: [UsageRecord], then done: @escaping @Sendable (AccountsError?) -> Void) {
        store.insertUsage(records, then: done)
    }

    /// Deletes the rows recorded before `cutoff`; returns how many went. Deletes in batches,
    /// each its own transaction, so a large backlog never holds the write lock long enough to
    /// delay the rows requests are recording meanwhile.
    @discardableResult
    public func deleteRecords(before cutoff: Date, batchSize: Int = 5000) async throws(AccountsError) -> Int {
        var total = 0
        while true {
            let deleted = try await store.deleteUsage(before: cutoff, limit: max(1, batchSize))
            total += deleted
            if deleted < max(1, batchSize) { return total }
        }
    }

    /// The rows from `since` on (inclusive), oldest first.
    public func records(since: Date) async throws(AccountsError) -> [UsageRecord] {
        try await store.usageRecords(since: since)
    }

    /// Totals and percentiles per group for the rows from `since` on, busiest group first (ties by
    /// name). No rows, no groups. The rows are read in one query; 16 bytes a row are kept for the
    /// percentiles.
    public func summary(since: Date, by grouping: UsageGrouping) async throws(AccountsError) -> [UsageSummary] {
        var accumulators: [String: Accumulator] = [:]
        var order: [String] = []
        for record in try await store.usageRecords(since: since) {
            let group: String = switch grouping {
            case .none: "all"
            case .model: record.model
            case .key: record.keyID ?? ""
            }
            if accumulators[group] == nil { order.append(group) }
            accumulators[group, default: Accumulator()].add(record)
        }
        let groups = order.compactMap { group in accumulators[group].map { (group, $0) } }
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

        mutating func add(_ record: UsageRecord) {
            requests += 1
            if record.isError { errors += 1 }
            promptTokens += record.promptTokens
            completionTokens += record.completionTokens
            latencies.append(record.latencyMilliseconds)
            if let firstToken = record.timeToFirstTokenMilliseconds { firstTokenTimes.append(firstToken) }
            if let name = record.keyName { keyName = name }
        }

        func summary(named group: String) -> UsageSummary {
            UsageSummary(
                group: group, requests: requests, errors: errors, promptTokens: promptTokens,
                completionTokens: completionTokens, latencies: latencies, firstTokenTimes: firstTokenTimes)
        }
    }
}
