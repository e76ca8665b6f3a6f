import Fleet
import Foundation
import GRDB
import OpenAIWire
import Testing

/// A SQLite file written before the fleet store (keys, ledger and stored responses: migrations
/// `v1-api-keys`, `v1-usage-ledger`, `v2-stored-responses`) opens with its rows intact and gains
/// the later migrations, so a server upgraded in place keeps its data.
@Suite struct DatabaseUpgradeTests {
    /// The schema exactly as those three migrations created it, with GRDB's record of them.
    static let earlierSchema = """
        CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
        CREATE TABLE api_key (
            id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, secret_sha256 TEXT NOT NULL UNIQUE, prefix TEXT NOT NULL,
            allowed_models TEXT, requests_per_minute INTEGER, tokens_per_minute INTEGER,
            is_admin INTEGER NOT NULL DEFAULT 0, created_ms INTEGER NOT NULL, revoked_ms INTEGER
        );
        CREATE UNIQUE INDEX api_key_active_name ON api_key(name) WHERE revoked_ms IS NULL;
        CREATE TABLE usage_record (
            id INTEGER PRIMARY KEY AUTOINCREMENT, request_id TEXT NOT NULL, time_ms INTEGER NOT NULL, key_id TEXT,
            key_name TEXT, model TEXT NOT NULL, tier TEXT, endpoint TEXT NOT NULL, prompt_tokens INTEGER NOT NULL,
            completion_tokens INTEGER NOT NULL, latency_ms REAL NOT NULL, ttft_ms REAL, status INTEGER NOT NULL,
            wake_ms REAL, stream INTEGER NOT NULL
        );
        CREATE INDEX usage_record_time ON usage_record(time_ms);
        CREATE TABLE stored_response (
            id TEXT PRIMARY KEY NOT NULL, owner TEXT NOT NULL, model TEXT NOT NULL, created_ms INTEGER NOT NULL,
            previous_response_id TEXT, input_items TEXT NOT NULL, body TEXT NOT NULL
        );
        CREATE INDEX stored_response_created ON stored_response(created_ms);
        INSERT INTO grdb_migrations VALUES ('v1-api-keys'), ('v1-usage-ledger'), ('v2-stored-responses');
        INSERT INTO usage_record (request_id, time_ms, model, endpoint, prompt_tokens, completion_tokens, latency_ms, status, stream)
            VALUES ('req-before', 1800000000000, 'm', '/v1/chat/completions', 3, 4, 12.5, 200, 0);
        INSERT INTO stored_response (id, owner, model, created_ms, previous_response_id, input_items, body)
            VALUES ('resp_before', 'key_a', 'm', 1800000000000, NULL, '[]', '{"id":"resp_before"}');
        """

    @Test func anEarlierFileGainsTheNewMigrationsAndKeepsItsRows() async throws {
        let scratch = try DatabaseScratch()
        let earlier = try DatabaseQueue(path: scratch.databasePath)
        try await earlier.write { db in try db.execute(sql: Self.earlierSchema) }
        try earlier.close()

        let database = try scratch.open()
        #expect(try await database.appliedMigrations() == StoreMigrationTests.allMigrations)
        let before = try await database.usageRecords(since: Date(timeIntervalSince1970: 0))
        #expect(before.map(\.requestID) == ["req-before"])
        #expect(before.map(\.entryID) == ["row-1"])
        #expect(try await database.response(id: "resp_before", owner: "key_a")?.body == ["id": "resp_before"])

        // New rows go in beside the old one, once each.
        let new = UsageRecord(
            requestID: "req-after", time: Date(timeIntervalSince1970: 1_800_000_001), model: "m", endpoint: "/v1/responses",
            latencyMilliseconds: 3, status: 200)
        try await database.insertUsage([new, new])
        let after = try await database.usageRecords(since: Date(timeIntervalSince1970: 0))
        #expect(after.map(\.requestID) == ["req-before", "req-after"])
        await database.close()
    }
}
