import Foundation
import Logging
import NIOPosix
import Synchronization

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
public final class UsageRecorder: Sendable {
    public let ledger: UsageLedger
    public let spool: UsageSpool?
    private let logger: Logger

    /// A request waiting for its row.
    private enum Waiter {
        case task(CheckedContinuation<Bool, Never>)
        case callback(@Sendable () -> Void)
    }

    private struct State {
        /// Rows waiting for the next write; every one but a new leader's has a waiter below.
        var pending: [UsageRecord] = []
        /// Their requests: a task woken with `true` to lead the next write, `false` once its row is
        /// written; or a callback, called once its row is written.
        var waiters: [Waiter] = []
        /// Whether a leader is writing (or has been handed the next batch).
        var writing = false
        var spooledRows = 0
        var replayedRows = 0
        var isDegraded = false

        /// Queues `record`; returns true when no write is in flight, so its request leads the
        /// next one (its waiter is then not queued: it is the leader).
        mutating func enqueue(_ record: UsageRecord, waiter: Waiter) -> Bool {
            pending.append(record)
            if writing {
                waiters.append(waiter)
                return false
            }
            writing = true
            return true
        }
    }

    /// A lock, not an actor: a request's task stays on its own executor (its connection's event
    /// loop, with `onEventLoops`) instead of hopping to the actor's and back for every row.
    private let state = Mutex(State())

    /// Rows written to the spool because the store failed, since start.
    public var spooledRows: Int { state.withLock { $0.spooledRows } }
    /// Spooled rows written back to the store, since start.
    public var replayedRows: Int { state.withLock { $0.replayedRows } }
    /// Whether the last write failed (the ledger is degraded until a write succeeds).
    public var isDegraded: Bool { state.withLock { $0.isDegraded } }

    public init(ledger: UsageLedger, spool: UsageSpool?, logger: Logger) {
        self.ledger = ledger
        self.spool = spool
        self.logger = logger
    }

    /// Returns once `record` is committed to the store, or spooled when the store fails (or, with
    /// no spool, once the failure is logged).
    public func record(_ record: UsageRecord) async {
        let leads = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            if state.withLock({ $0.enqueue(record, waiter: .task(continuation)) }) { continuation.resume(returning: true) }
        }
        guard leads else { return }
        await lead()
    }

    /// `record` for code on an event loop, without a task: `done` is called once the row is
    /// committed (or spooled). A row that finds no write in flight leads the write through the
    /// store's own completion (for SQLite, GRDB's writer queue calls back: one hop there and one
    /// back, no task between).
    public func record(_ record: UsageRecord, then done: @escaping @Sendable () -> Void) {
        guard state.withLock({ $0.enqueue(record, waiter: .callback(done)) }) else { return }
        leadByCallback(then: done)
    }

    /// A request with no task of its own leads: the store calls back once the batch is written;
    /// only a failed write (to be spooled) takes a task.
    private func leadByCallback(then done: @escaping @Sendable () -> Void) {
        let (batch, batchWaiters) = takeBatch()
        ledger.record(batch) { error in
            guard let error else {
                self.state.withLock { $0.isDegraded = false }
                done()
                self.wrote(batchWaiters)
                return
            }
            Task {
                await self.failed(batch, error: error)
                done()
                self.wrote(batchWaiters)
            }
        }
    }

    /// Writes every row pending (the leader's own among them), meanwhile others queue up; then
    /// hands the rows that arrived meanwhile to their first request, which leads the next batch.
    private func lead() async {
        let (batch, batchWaiters) = takeBatch()
        await write(batch)
        wrote(batchWaiters)
    }

    /// The rows pending and their requests, for a leader to write.
    private func takeBatch() -> ([UsageRecord], [Waiter]) {
        state.withLock { state in
            defer {
                state.pending = []
                state.waiters = []
            }
            return (state.pending, state.waiters)
        }
    }

    /// A batch is written: its requests go on, and the first request that arrived meanwhile leads the next.
    private func wrote(_ batchWaiters: [Waiter]) {
        for waiter in batchWaiters {
            switch waiter {
            case .task(let continuation): continuation.resume(returning: false)
            case .callback(let done): done()
            }
        }
        let next = state.withLock { state -> Waiter? in
            if state.waiters.isEmpty {
                state.writing = false
                return nil
            }
            return state.waiters.removeFirst()
        }
        switch next {
        case .task(let continuation): continuation.resume(returning: true)
        case .callback(let done): leadByCallback(then: done)
        case nil: break
        }
    }

    private func write(_ records: [UsageRecord]) async {
        do {
            try await ledger.record(records)
            state.withLock { $0.isDegraded = false }
        } catch where Task.isCancelled {
            // The leader's client left: its task is cancelled, and the store honours that. The
            // batch (other requests' rows too) is written from a task of its own instead.
            await Task { await self.write(records) }.value
        } catch {
            await failed(records, error: error)
        }
    }

    /// The store refused a batch: it goes to the spool (or, with none, the failure is logged).
    private func failed(_ records: [UsageRecord], error: AccountsError) async {
        state.withLock { $0.isDegraded = true }
        guard let spool else {
            logger.error("usage ledger write failed", metadata: ["error.message": .string(error.message)])
            return
        }
        do {
            // A file append and fsync: on NIO's thread pool, never on the event loop the
            // leading request runs on.
            try await NIOThreadPool.singleton.runIfActive { try spool.append(records) }
            state.withLock { $0.spooledRows += records.count }
            logger.warning(
                "usage ledger unavailable: rows spooled locally",
                metadata: ["error.message": .string(error.message), "usage.spooled": .stringConvertible(records.count)])
        } catch {
            logger.error("usage rows lost: neither the ledger nor the spool could be written", metadata: [
                "error.message": .string("\(error)"), "usage.lost": .stringConvertible(records.count),
            ])
        }
    }

    /// Rows waiting in the spool for the store to come back (read from the file on NIO's thread pool).
    public func pendingSpooledRows() async -> Int {
        guard let spool else { return 0 }
        return (try? await NIOThreadPool.singleton.runIfActive { try spool.read().count }) ?? 0
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
        state.withLock { state in
            state.replayedRows += rows.count
            state.isDegraded = false
        }
        logger.notice("usage spool replayed into the ledger", metadata: ["usage.replayed": .stringConvertible(rows.count)])
        return rows.count
    }
}
