import Fleet
import Foundation
import Testing

@Suite struct UsageLedgerTests {
    private let start = Date(millisecondsSince1970Test: 1_800_000_000_123)

    @Test(arguments: StoreEngine.available) func recordsReadBackExactly(engine: StoreEngine) async throws {
        try await StoreScratch.with(engine) { scratch in
            let ledger = UsageLedger(store: scratch.store)
            let rows = (0..<6).map { UsageFixtures.record($0, time: start.addingTimeInterval(Double($0) * 0.25)) }
            for row in rows { try await ledger.record(row) }
            let minimal = UsageRecord(
                requestID: "req_min", time: start.addingTimeInterval(10), model: "x", endpoint: "/v1/completions",
                latencyMilliseconds: 0.5, status: 429)
            try await ledger.record(minimal)
            #expect(try await ledger.records(since: start) == rows + [minimal])
            #expect(try await ledger.records(since: start.addingTimeInterval(1)).map(\.requestID) == ["req_4", "req_5", "req_min"])
            #expect(try await ledger.records(since: start.addingTimeInterval(11)).isEmpty)
        }
    }

    @Test(arguments: StoreEngine.available) func pruningDeletesOnlyRowsOlderThanTheCutoff(engine: StoreEngine) async throws {
        try await StoreScratch.with(engine) { scratch in
            let ledger = UsageLedger(store: scratch.store)
            let rows = (0..<5).map { UsageFixtures.record($0, time: start.addingTimeInterval(Double($0))) }
            for row in rows { try await ledger.record(row) }
            #expect(try await ledger.deleteRecords(before: start.addingTimeInterval(2)) == 2)
            #expect(try await ledger.records(since: .distantPast).map(\.requestID) == ["req_2", "req_3", "req_4"])
            #expect(try await ledger.deleteRecords(before: start.addingTimeInterval(2)) == 0, "pruning twice deletes nothing more")
            #expect(try await ledger.deleteRecords(before: start.addingTimeInterval(10), batchSize: 2) == 3, "batch after batch until none is left")
            #expect(try await ledger.records(since: .distantPast).isEmpty)
        }
    }

    @Test(arguments: StoreEngine.available) func rowsSurviveAReopen(engine: StoreEngine) async throws {
        try await StoreScratch.with(engine) { scratch in
            let rows = (0..<4).map { UsageFixtures.record($0, time: start.addingTimeInterval(Double($0))) }
            do {
                let ledger = UsageLedger(store: scratch.store)
                for row in rows { try await ledger.record(row) }
            }
            let handle = try await scratch.reopen()
            #expect(try await UsageLedger(store: handle).records(since: start) == rows)
            await handle.close()
        }
    }

    @Test(arguments: StoreEngine.available) func summaryByKeyCountsTokensErrorsAndPercentiles(engine: StoreEngine) async throws {
        try await StoreScratch.with(engine) { scratch in
            let ledger = UsageLedger(store: scratch.store)
            // alice: latencies 10...100 (10 rows), two errors; bob: 3 rows; one row without a key.
            for index in 1...10 {
                try await ledger.record(UsageRecord(
                    requestID: "a\(index)", time: start, keyID: "key_alice", keyName: "alice", model: "small",
                    endpoint: "/v1/chat/completions", promptTokens: index, completionTokens: 1,
                    latencyMilliseconds: Double(index * 10), timeToFirstTokenMilliseconds: index <= 4 ? Double(index) : nil,
                    status: index > 8 ? (index == 9 ? 429 : 500) : 200, stream: true))
            }
            for index in 1...3 {
                try await ledger.record(UsageRecord(
                    requestID: "b\(index)", time: start, keyID: "key_bob", keyName: "bob", model: "big",
                    endpoint: "/v1/completions", promptTokens: 100, completionTokens: 50,
                    latencyMilliseconds: Double(index), status: index == 3 ? 400 : 200))
            }
            try await ledger.record(UsageRecord(
                requestID: "anon", time: start, model: "small", endpoint: "/v1/completions", latencyMilliseconds: 7, status: 200))
            // Before the window: ignored.
            try await ledger.record(UsageRecord(
                requestID: "old", time: start.addingTimeInterval(-1), keyID: "key_alice", keyName: "alice", model: "small",
                endpoint: "/v1/completions", promptTokens: 1_000_000, latencyMilliseconds: 1, status: 200))

            let byKey = try await ledger.summary(since: start, by: .key)
            #expect(byKey == [
                UsageSummary(group: "alice", requests: 10, errors: 2, promptTokens: 55, completionTokens: 10,
                             latencyP50: 50, latencyP95: 100, ttftP50: 2),
                UsageSummary(group: "bob", requests: 3, errors: 1, promptTokens: 300, completionTokens: 150,
                             latencyP50: 2, latencyP95: 3, ttftP50: nil),
                UsageSummary(group: "(no key)", requests: 1, errors: 0, promptTokens: 0, completionTokens: 0,
                             latencyP50: 7, latencyP95: 7, ttftP50: nil),
            ])

            let byModel = try await ledger.summary(since: start, by: .model)
            #expect(byModel.map(\.group) == ["small", "big"])
            #expect(byModel.map(\.requests) == [11, 3])
            #expect(byModel.first?.latencyP50 == 50)  // 7, 10, 20, ..., 100: the 6th of 11

            let all = try await ledger.summary(since: start, by: .none)
            #expect(all.count == 1)
            #expect(all.first?.group == "all")
            #expect(all.first?.requests == 14 && all.first?.errors == 3)
            #expect(all.first?.promptTokens == 355 && all.first?.completionTokens == 160)

            #expect(try await ledger.summary(since: start.addingTimeInterval(1), by: .key).isEmpty)
        }
    }

    @Test(arguments: StoreEngine.available) func keysSharingANameAreToldApart(engine: StoreEngine) async throws {
        try await StoreScratch.with(engine) { scratch in
            let ledger = UsageLedger(store: scratch.store)
            for (index, id) in ["key_old", "key_new", "key_new", "key_other"].enumerated() {
                try await ledger.record(UsageRecord(
                    requestID: "r\(index)", time: start, keyID: id, keyName: id == "key_other" ? "other" : "ci", model: "m",
                    endpoint: "/v1/completions", latencyMilliseconds: 1, status: 200))
            }
            #expect(try await ledger.summary(since: start, by: .key).map(\.group) == ["ci (key_new)", "ci (key_old)", "other"])
        }
    }

    @Test func nearestRankPercentiles() {
        #expect(UsageSummary.percentile(50, ofSorted: []) == nil)
        #expect(UsageSummary.percentile(50, ofSorted: [3]) == 3)
        #expect(UsageSummary.percentile(95, ofSorted: [3]) == 3)
        #expect(UsageSummary.percentile(50, ofSorted: [1, 2, 3, 4]) == 2)
        #expect(UsageSummary.percentile(50, ofSorted: [1, 2, 3, 4, 5]) == 3)
        let hundred = (1...100).map(Double.init)
        #expect(UsageSummary.percentile(95, ofSorted: hundred) == 95)
        #expect(UsageSummary.percentile(99, ofSorted: hundred) == 99)
        #expect(UsageSummary.percentile(100, ofSorted: hundred) == 100)
        #expect(UsageSummary.percentile(0, ofSorted: hundred) == 1)
    }
}

@Suite struct UsageLedgerBatchTests {
    private let start = Date(millisecondsSince1970Test: 1_800_000_500_000)

    @Test(arguments: StoreEngine.available) func aBatchWrittenTwiceIsStoredOnce(engine: StoreEngine) async throws {
        try await StoreScratch.with(engine) { scratch in
            let ledger = UsageLedger(store: scratch.store)
            let rows = (0..<50).map { UsageFixtures.record($0, time: start.addingTimeInterval(Double($0))) }
            try await ledger.record(rows)
            // A retry or a spool replay of rows already stored, with one new row among them.
            let extra = UsageFixtures.record(50, time: start.addingTimeInterval(50))
            try await ledger.record(Array(rows[10..<20]) + [extra])
            try await ledger.record(rows[3])
            #expect(try await ledger.records(since: start) == rows + [extra])
        }
    }

    @Test(arguments: StoreEngine.available) func theSameRequestIDTwiceIsTwoRows(engine: StoreEngine) async throws {
        // A client may send the same x-request-id twice: two requests, two rows.
        try await StoreScratch.with(engine) { scratch in
            let ledger = UsageLedger(store: scratch.store)
            let first = UsageFixtures.record(1, time: start)
            var second = UsageFixtures.record(1, time: start)
            second.entryID = UUID().uuidString
            try await ledger.record(first)
            try await ledger.record(second)
            #expect(try await ledger.records(since: start).count == 2)
        }
    }

    @Test(arguments: StoreEngine.available) func largeBatchesAndConcurrentWritersFromTwoHandles(engine: StoreEngine) async throws {
        try await StoreScratch.with(engine) { scratch in
            let other = try await scratch.reopen()
            let handles = [scratch.store, other]
            // 4500 rows in one batch crosses PostgreSQL's per-statement parameter limit (65535 / 15 columns).
            let big = (0..<4500).map { UsageFixtures.record($0, time: start) }
            try await UsageLedger(store: scratch.store).record(big)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<4 {
                    group.addTask {
                        let ledger = UsageLedger(store: handles[writer % 2])
                        for index in 0..<25 {
                            try await ledger.record(UsageFixtures.record(10_000 + writer * 100 + index, time: start))
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await UsageLedger(store: other).records(since: start).count == 4600)
            await other.close()
        }
    }
}
