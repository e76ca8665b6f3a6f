import Foundation
import Logging

/// Writes the request path's ledger rows: each `record` returns once its row is committed (or,
/// with the database down, safely in the local spool), as before; rows that arrive while a write
/// is in flight go together in the next one (group commit), so a busy replica makes one round
/// trip for many rows instead of one each, without loosening that promise.
///
/// When the store fails, the batch is appended to the spool file (`UsageSpool`, fsync'd) and the
/// callers go on; `replaySpool` (run periodically by the server) writes spooled rows back once the
/// store answers. Rows are idempotent by entry id, so a replay after a half-finished write adds
/// nothing twice.
public actor UsageRecorder {
    private struct Waiter {
        var record: UsageRecord
        var done: CheckedContinuation<Void, Never>
    }

    public nonisolated let ledger: UsageLedger
    public nonisolated let spool: UsageSpool?
    private let logger: Logger
    private var pending: [Waiter] = []
    private var draining = false
    /// Rows written to the spool because the store failed, since start.
    public private(set) var spooledRows = 0
    /// Spooled rows written back to the store, since start.
    public private(set) var replayedRows = 0
    /// Whether the last write failed (the ledger is degraded until a write succeeds).
    public private(set) var isDegraded = false

    public init(ledger: UsageLedger, spool: UsageSpool?, logger: Logger) {
        self.ledger = ledger
        self.spool = spool
        self.logger = logger
    }

    /// Returns once `record` is committed to the store, or spooled when the store fails (or, with
    /// no spool, once the failure is logged).
    public func record(_ record: UsageRecord) async {
        await withCheckedContinuation { continuation in
            pending.append(Waiter(record: record, done: continuation))
            if !draining {
                draining = true
                Task { await self.drain() }
            }
        }
    }

    private func drain() async {
        while !pending.isEmpty {
            let batch = pending
            pending = []
            await write(batch.map(\.record))
            for waiter in batch { waiter.done.resume() }
        }
        draining = false
    }

    private func write(_ records: [UsageRecord]) async {
        do {
            try await ledger.record(records)
            isDegraded = false
        } catch {
            isDegraded = true
            guard let spool else {
                logger.error("usage ledger write failed", metadata: ["error.message": .string(error.message)])
                return
            }
            do {
                try spool.append(records)
                spooledRows += records.count
                logger.warning(
                    "usage ledger unavailable: rows spooled locally",
                    metadata: ["error.message": .string(error.message), "usage.spooled": .stringConvertible(records.count)])
            } catch {
                logger.error("usage rows lost: neither the ledger nor the spool could be written", metadata: [
                    "error.message": .string("\(error)"), "usage.lost": .stringConvertible(records.count),
                ])
            }
        }
    }

    /// Rows waiting in the spool for the store to come back.
    public func pendingSpooledRows() -> Int {
        (try? spool?.read().count) ?? 0
    }

    /// Writes the spooled rows to the store and empties the spool; a failure leaves them for next
    /// time. Returns how many rows went back.
    @discardableResult
    public func replaySpool() async -> Int {
        guard let spool else { return 0 }
        let rows: [UsageRecord]
        do {
            rows = try spool.read()
        } catch {
            logger.error("cannot read the usage spool", metadata: ["error.message": .string("\(error)")])
            return 0
        }
        guard !rows.isEmpty else { return 0 }
        do {
            try await ledger.record(rows)
        } catch {
            return 0
        }
        do {
            // Only what was read goes: rows spooled meanwhile stay.
            try spool.remove(count: rows.count)
        } catch {
            logger.error("cannot trim the usage spool", metadata: ["error.message": .string("\(error)")])
        }
        replayedRows += rows.count
        isDegraded = false
        logger.notice("usage spool replayed into the ledger", metadata: ["usage.replayed": .stringConvertible(rows.count)])
        return rows.count
    }
}
