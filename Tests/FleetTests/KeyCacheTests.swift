import Fleet
import Foundation
import Logging
import Testing

@Suite struct KeyCacheTests {
    @Test(arguments: StoreEngine.available) func aRevocationOnAnotherHandleCountsWithinTheBound(engine: StoreEngine) async throws {
        try await StoreScratch.with(engine) { scratch in
            let keys = KeyStore(store: scratch.store)
            let (key, secret) = try await keys.create(name: "cached")
            let other = try await scratch.reopen()  // another replica
            let cache = KeyCache(keys: KeyStore(store: other), maxAge: .milliseconds(300))
            let start = ContinuousClock.now
            #expect(try await cache.authenticate(secret: secret, now: start) == key)
            #expect(try await cache.hasActiveKeys(now: start))
            _ = try await keys.revoke(key.id)
            // Inside the bound the cached answer may stand; past it the revocation counts.
            #expect(try await cache.authenticate(secret: secret, now: start + .milliseconds(100)) == key)
            #expect(try await cache.authenticate(secret: secret, now: start + .milliseconds(400)) == nil)
            #expect(try await cache.hasActiveKeys(now: start + .milliseconds(400)) == false)
            // A key created elsewhere is found at once (unknown secrets are looked up when their answer is stale).
            let (fresh, freshSecret) = try await keys.create(name: "fresh")
            #expect(try await cache.authenticate(secret: freshSecret, now: start + .milliseconds(400)) == fresh)
            await other.close()
        }
    }

    @Test func aStoreThatFailsKeepsCachedKeysAndFailsClosedForOthers() async throws {
        let scratch = try await StoreScratch.make(.sqlite)
        let keys = KeyStore(store: scratch.store)
        let (key, secret) = try await keys.create(name: "known")
        let (_, unseen) = try await keys.create(name: "unseen")
        let cache = KeyCache(keys: keys, maxAge: .zero)
        #expect(try await cache.authenticate(secret: secret) == key)
        #expect(try await cache.hasActiveKeys())
        await scratch.store.close()
        #expect(try await cache.authenticate(secret: secret) == key, "a key seen before keeps working")
        #expect(try await cache.hasActiveKeys())
        let error = await #expect(throws: AccountsError.self) { try await cache.authenticate(secret: unseen) }
        #expect(error?.code == .database)
        #expect(cache.isDegraded && cache.storeFailures >= 2)
    }
}

@Suite struct UsageRecorderTests {
    private static var quiet: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }

    /// The event-loop form (`record(_:then:)`, the gateway fast path's) mixed with the async one:
    /// every callback comes once, after its row is committed.
    @Test func callbackRowsAreCommittedBeforeTheirCallback() async throws {
        try await StoreScratch.with(.sqlite) { scratch in
            let ledger = UsageLedger(store: scratch.store)
            let recorder = UsageRecorder(ledger: ledger, spool: nil, logger: Self.quiet)
            let start = Date(millisecondsSince1970Test: 1_800_000_950_000)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<200 {
                    group.addTask {
                        let row = UsageFixtures.record(index, time: start)
                        if index % 2 == 0 {
                            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                                recorder.record(row) { done.resume() }
                            }
                        } else {
                            await recorder.record(row)
                        }
                        let rows = try await ledger.records(since: start)
                        #expect(rows.contains { $0.entryID == row.entryID })
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await ledger.records(since: start).count == 200)
        }
    }

    @Test(arguments: StoreEngine.available) func concurrentRowsAreAllCommittedWhenRecordReturns(engine: StoreEngine) async throws {
        try await StoreScratch.with(engine) { scratch in
            let ledger = UsageLedger(store: scratch.store)
            let recorder = UsageRecorder(ledger: ledger, spool: nil, logger: Self.quiet)
            let start = Date(millisecondsSince1970Test: 1_800_000_900_000)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<200 {
                    group.addTask {
                        let row = UsageFixtures.record(index, time: start)
                        await recorder.record(row)
                        // Committed by the time record returns: visible to a fresh read.
                        let rows = try await ledger.records(since: start)
                        #expect(rows.contains { $0.entryID == row.entryID })
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await ledger.records(since: start).count == 200)
        }
    }

    /// A request whose client left (its task cancelled, which the stores honour) may lead a
    /// batch: its row and the others' are still committed, not spooled.
    @Test(arguments: StoreEngine.available) func rowsOfACancelledRequestAreCommitted(engine: StoreEngine) async throws {
        try await StoreScratch.with(engine) { scratch in
            let files = try DatabaseScratch()
            let spool = UsageSpool(path: files.directory + "/spool.jsonl")
            let ledger = UsageLedger(store: scratch.store)
            let recorder = UsageRecorder(ledger: ledger, spool: spool, logger: Self.quiet)
            let start = Date(millisecondsSince1970Test: 1_800_000_970_000)
            let rows = (0..<20).map { UsageFixtures.record($0, time: start) }
            await withTaskGroup(of: Void.self) { group in
                for (index, row) in rows.enumerated() {
                    group.addTask {
                        if index % 2 == 0 { withUnsafeCurrentTask { $0?.cancel() } }
                        await recorder.record(row)
                    }
                }
            }
            #expect(recorder.spooledRows == 0)
            #expect(!recorder.isDegraded)
            #expect(try await ledger.records(since: start).count == rows.count)
        }
    }

    @Test(arguments: StoreEngine.available) func rowsSpooledWhileTheStoreIsDownAreReplayedOnce(engine: StoreEngine) async throws {
        try await StoreScratch.with(engine) { scratch in
            let files = try DatabaseScratch()
            let spool = UsageSpool(path: files.directory + "/spool.jsonl")
            // A handle that will fail (closed), and the real store for the replay.
            let failing = try await scratch.reopen()
            await failing.close()
            let down = UsageRecorder(ledger: UsageLedger(store: failing), spool: spool, logger: Self.quiet)
            let start = Date(millisecondsSince1970Test: 1_800_000_950_000)
            let rows = (0..<30).map { UsageFixtures.record($0, time: start) }
            for (index, row) in rows.enumerated() {
                // Both forms: the event loop's (the store's callback fails, the row goes to the spool) and the task's.
                if index % 2 == 0 {
                    await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in down.record(row) { done.resume() } }
                } else {
                    await down.record(row)
                }
            }
            #expect(down.isDegraded)
            #expect(down.spooledRows == 30)
            #expect(try spool.read() == rows)
            #expect(await down.replaySpool() == 0, "still down: the rows stay")
            #expect(try spool.read().count == 30)

            let up = UsageRecorder(ledger: UsageLedger(store: scratch.store), spool: spool, logger: Self.quiet)
            // One row was written before the outage too: the replay must not double it.
            try await UsageLedger(store: scratch.store).record(rows[0])
            #expect(await up.replaySpool() == 30)
            #expect(try spool.read().isEmpty)
            #expect(try await UsageLedger(store: scratch.store).records(since: start) == rows)
            #expect(await up.replaySpool() == 0)
        }
    }
}
