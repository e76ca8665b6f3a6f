import Fleet
import Foundation
import Testing

@Suite struct UsageLedgerTests {
    private let start = Date(millisecondsSince1970Test: 1_800_000_000_123)

    @Test func recordsReadBackExactly() throws {
        let scratch = try DatabaseScratch()
        let ledger = UsageLedger(database: try scratch.open())
        let rows = (0..<6).map { UsageFixtures.record($0, time: start.addingTimeInterval(Double($0) * 0.25)) }
        for row in rows { try ledger.record(row) }
        let minimal = UsageRecord(
            requestID: "req_min", time: start.addingTimeInterval(10), model: "x", endpoint: "/v1/completions",
            latencyMilliseconds: 0.5, status: 429)
        try ledger.record(minimal)
        #expect(try ledger.records(since: start) == rows + [minimal])
        #expect(try ledger.records(since: start.addingTimeInterval(1)).map(\.requestID) == ["req_4", "req_5", "req_min"])
        #expect(try ledger.records(since: start.addingTimeInterval(11)).isEmpty)
    }

    @Test func pruningDeletesOnlyRowsOlderThanTheCutoff() throws {
        let scratch = try DatabaseScratch()
        let ledger = UsageLedger(database: try scratch.open())
        let rows = (0..<5).map { UsageFixtures.record($0, time: start.addingTimeInterval(Double($0))) }
        for row in rows { try ledger.record(row) }
        #expect(try ledger.deleteRecords(before: start.addingTimeInterval(2)) == 2)
        #expect(try ledger.records(since: .distantPast).map(\.requestID) == ["req_2", "req_3", "req_4"])
        #expect(try ledger.deleteRecords(before: start.addingTimeInterval(2)) == 0, "pruning twice deletes nothing more")
        #expect(try ledger.deleteRecords(before: start.addingTimeInterval(10), batchSize: 2) == 3, "batch after batch until none is left")
        #expect(try ledger.records(since: .distantPast).isEmpty)
    }

    @Test func rowsSurviveAReopen() throws {
        let scratch = try DatabaseScratch()
        let rows = (0..<4).map { UsageFixtures.record($0, time: start.addingTimeInterval(Double($0))) }
        do {
            let ledger = UsageLedger(database: try scratch.open())
            for row in rows { try ledger.record(row) }
        }
        #expect(try UsageLedger(database: try scratch.open()).records(since: start) == rows)
    }

    @Test func summaryByKeyCountsTokensErrorsAndPercentiles() throws {
        let scratch = try DatabaseScratch()
        let ledger = UsageLedger(database: try scratch.open())
        // alice: latencies 10...100 (10 rows), two errors; bob: 3 rows; one row without a key.
        for index in 1...10 {
            try ledger.record(UsageRecord(
                requestID: "a\(index)", time: start, keyID: "key_alice", keyName: "alice", model: "small",
                endpoint: "/v1/chat/completions", promptTokens: index, completionTokens: 1,
                latencyMilliseconds: Double(index * 10), timeToFirstTokenMilliseconds: index <= 4 ? Double(index) : nil,
                status: index > 8 ? (index == 9 ? 429 : 500) : 200, stream: true))
        }
        for index in 1...3 {
            try ledger.record(UsageRecord(
                requestID: "b\(index)", time: start, keyID: "key_bob", keyName: "bob", model: "big",
                endpoint: "/v1/completions", promptTokens: 100, completionTokens: 50,
                latencyMilliseconds: Double(index), status: index == 3 ? 400 : 200))
        }
        try ledger.record(UsageRecord(
            requestID: "anon", time: start, model: "small", endpoint: "/v1/completions", latencyMilliseconds: 7, status: 200))
        // Before the window: ignored.
        try ledger.record(UsageRecord(
            requestID: "old", time: start.addingTimeInterval(-1), keyID: "key_alice", keyName: "alice", model: "small",
            endpoint: "/v1/completions", promptTokens: 1_000_000, latencyMilliseconds: 1, status: 200))

        let byKey = try ledger.summary(since: start, by: .key)
        #expect(byKey == [
            UsageSummary(group: "alice", requests: 10, errors: 2, promptTokens: 55, completionTokens: 10,
                         latencyP50: 50, latencyP95: 100, ttftP50: 2),
            UsageSummary(group: "bob", requests: 3, errors: 1, promptTokens: 300, completionTokens: 150,
                         latencyP50: 2, latencyP95: 3, ttftP50: nil),
            UsageSummary(group: "(no key)", requests: 1, errors: 0, promptTokens: 0, completionTokens: 0,
                         latencyP50: 7, latencyP95: 7, ttftP50: nil),
        ])

        let byModel = try ledger.summary(since: start, by: .model)
        #expect(byModel.map(\.group) == ["small", "big"])
        #expect(byModel.map(\.requests) == [11, 3])
        #expect(byModel.first?.latencyP50 == 50)  // 7, 10, 20, ..., 100: the 6th of 11

        let all = try ledger.summary(since: start, by: .none)
        #expect(all.count == 1)
        #expect(all.first?.group == "all")
        #expect(all.first?.requests == 14 && all.first?.errors == 3)
        #expect(all.first?.promptTokens == 355 && all.first?.completionTokens == 160)

        #expect(try ledger.summary(since: start.addingTimeInterval(1), by: .key).isEmpty)
    }

    @Test func keysSharingANameAreToldApart() throws {
        let scratch = try DatabaseScratch()
        let ledger = UsageLedger(database: try scratch.open())
        for (index, id) in ["key_old", "key_new", "key_new", "key_other"].enumerated() {
            try ledger.record(UsageRecord(
                requestID: "r\(index)", time: start, keyID: id, keyName: id == "key_other" ? "other" : "ci", model: "m",
                endpoint: "/v1/completions", latencyMilliseconds: 1, status: 200))
        }
        #expect(try ledger.summary(since: start, by: .key).map(\.group) == ["ci (key_new)", "ci (key_old)", "other"])
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
