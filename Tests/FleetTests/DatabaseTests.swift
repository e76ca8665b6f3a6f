import Fleet
import Foundation
import Testing

@Suite struct DatabaseTests {
    @Test func createsAMissingDirectoryPrivateAndTheFileOwnerOnly() throws {
        let scratch = try DatabaseScratch()
        let directory = scratch.directory + "/nested/home"
        let path = directory + "/switchyard.sqlite"
        _ = try FleetDatabase(path: path)
        #expect(try DatabaseScratch.mode(directory) == 0o700)
        #expect(try DatabaseScratch.mode(path) == 0o600)
        for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
            #expect(try DatabaseScratch.mode(path + suffix) & 0o077 == 0, "\(suffix) is readable by others")
        }
    }

    @Test func anExistingFileIsMadeOwnerOnly() throws {
        let scratch = try DatabaseScratch()
        #expect(FileManager.default.createFile(
            atPath: scratch.databasePath, contents: nil, attributes: [.posixPermissions: 0o644]))
        _ = try scratch.open()
        #expect(try DatabaseScratch.mode(scratch.databasePath) == 0o600)
    }

    @Test func aFileThatIsNotADatabaseIsAClearError() throws {
        let scratch = try DatabaseScratch()
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: scratch.databasePath))
        let error = #expect(throws: AccountsError.self) { try scratch.open() }
        #expect(error?.code == .database)
        #expect(error?.message.contains(scratch.databasePath) == true)
    }

    @Test func appliesNamedMigrationsOnceAndReopens() async throws {
        let scratch = try DatabaseScratch()
        let expected = ["v1-api-keys", "v1-usage-ledger", "v2-stored-responses", "v3-usage-entry-id", "v4-rate-buckets", "v5-tier-activity"]
        #expect(try await scratch.open().appliedMigrations() == expected)
        #expect(try await scratch.open().appliedMigrations() == expected)
        #expect(try await scratch.open(readOnly: true).appliedMigrations() == expected)
    }

    @Test func defaultPathFollowsHomeThenEnvironmentThenUserHome() {
        #expect(FleetDatabase.defaultPath(home: "/srv/sy", environment: ["SWITCHYARD_HOME": "/env"]) == "/srv/sy/switchyard.sqlite")
        #expect(FleetDatabase.defaultPath(home: nil, environment: ["SWITCHYARD_HOME": "/env", "HOME": "/u"]) == "/env/switchyard.sqlite")
        #expect(FleetDatabase.defaultPath(home: nil, environment: ["HOME": "/u"]) == "/u/.cache/switchyard/switchyard.sqlite")
    }

    @Test func readOnlyOpenOfAMissingFileFails() throws {
        let scratch = try DatabaseScratch()
        #expect(throws: AccountsError.self) { try scratch.open(readOnly: true) }
        #expect(!FileManager.default.fileExists(atPath: scratch.databasePath))
    }

    @Test func aSecondReadOnlyHandleSeesCommittedRowsAndCannotWrite() async throws {
        let scratch = try DatabaseScratch()
        let writer = try scratch.open()
        let ledger = UsageLedger(store: writer)
        let keys = KeyStore(store: writer)
        let (key, secret) = try await keys.create(name: "viewer-test")
        let start = Date(millisecondsSince1970Test: 1_800_000_000_000)
        for index in 0..<5 {
            try await ledger.record(UsageFixtures.record(index, time: start.addingTimeInterval(Double(index))))
        }
        // Opened while the writer is still open, as `switchyard usage` beside a running server.
        let viewer = try scratch.open(readOnly: true)
        #expect(viewer.isReadOnly)
        #expect(try await UsageLedger(store: viewer).records(since: start).count == 5)
        #expect(try await KeyStore(store: viewer).authenticate(secret: secret) == key)
        // Rows written after the viewer opened are visible too.
        try await ledger.record(UsageFixtures.record(5, time: start.addingTimeInterval(5)))
        #expect(try await UsageLedger(store: viewer).records(since: start).count == 6)
        let error = await #expect(throws: AccountsError.self) {
            try await UsageLedger(store: viewer).record(UsageFixtures.record(6, time: start))
        }
        #expect(error?.code == .database)
    }

    @Test func twoHandlesOnOneFileWriteConcurrently() async throws {
        // A running server and the CLI: two pools on the same file, writing at once, wait on each
        // other (busy timeout) instead of failing.
        let scratch = try DatabaseScratch()
        let first = try scratch.open()
        let second = try scratch.open()
        let start = Date(millisecondsSince1970Test: 1_800_000_000_000)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (offset, database) in [(0, first), (1000, second)] {
                group.addTask {
                    let ledger = UsageLedger(store: database)
                    for index in 0..<40 {
                        try await ledger.record(UsageFixtures.record(offset + index, time: start))
                    }
                }
            }
            group.addTask {
                for index in 0..<10 { _ = try await KeyStore(store: second).create(name: "concurrent-\(index)") }
            }
            try await group.waitForAll()
        }
        #expect(try await UsageLedger(store: first).records(since: start).count == 80)
        #expect(try await KeyStore(store: first).list().count == 10)
    }
}

extension Date {
    /// A date on a whole millisecond, as the database keeps it.
    init(millisecondsSince1970Test milliseconds: Int64) {
        self.init(timeIntervalSince1970: Double(milliseconds) / 1000)
    }
}
