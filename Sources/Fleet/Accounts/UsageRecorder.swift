import Foundation
import Logging
import NIOPosix

/// Writes the request path's ledger rows: each `record` returns once its row is committed (or,
/// with the database down, safely in the local spool), as before; rows that arrive while a write
/// is in flight go together in the next one (group commit), so a busy replica makes one round
/// trip for many rows instead of one each, without loosening that promise.
///
/// The write is made by one of the waiting requests' own tasks (the leader), not by a task of
/// its own: no hop to another thread and back per commit. A leader writes the batch it found
/// (its own row in it), wakes that batch's requests, and hands the rows that arrived meanwhile to
/// the first of their requests, which leads the next batch; so no request waits for more than
/// the batch in flight and its own.
///
/// When the store fails, the batch is appended to the spool file (`UsageSpool`, fsync'd) and the
/// callers go on; `replaySpool` (run periodically by the server) writes spooled rows back once the
/// store answers. Rows are idempotent by entry id, so a replay after a half-finished write adds
/// nothing twice.
public actor UsageRecorder {
    public nonisolated let ledger: UsageLedger
    public nonisolated let spool: UsageSpool?
    private let logger: Logger
    /// Rows waiting for the next write; every one but a new leader's has a waiter below.
    private var pending: [UsageRecord] = []
    /// Their requests, woken with `true` to lead the next write, `false` once their row is written.
    private var waiters: [CheckedContinuation<Bool, Never>] = []
    /// Whether a leader is writing (or has been handed the next batch).
    private var writing = false
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
        pending.append(record)
        if writing {
            let leads = await withCheckedContinuation { waiters.append($0) }
            guard leads else { return }
        } else {
            writing = true
        }
        // Lead: write every row pending (this request's among them), meanwhile others queue up.
        let batch = pending
        let batchWaiters = waiters
        pending = []
        waiters = []
        await write(batch)
        for waiter in batchWaiters { waiter.resume(returning: false) }
        if waiters.isEmpty {
            writing = false
        } else {
            waiters.removeFirst().resume(returning: true)
        }
    }

    private func write(_ records: [UsageRecord]) async {
        do {
            try await ledger.record(records)
            isDegraded = false
        } catch where Task.isCancelled {
            // The leader's client left: its task is cancelled, and the store honours that. The
            // batch (other requests' rows too) is written from a task of its own instead.
            await Task { await self.write(records) }.value
        } catch {
            isDegraded = true
            guard let spool else {
                logger.error("usage ledger write failed", metadata: ["error.message": .string(error.message)])
                return
            }
            do {
                // A file append and fsync: on NIO's thread pool, never on the event loop the
                // leading request runs on.
                try await NIOThreadPool.singleton.runIfActive { try spool.append(records) }
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
