import PostgresNIO

extension PostgresFleetStore {
    /// The advisory lock that serialises migrations: replicas starting together take turns, and
    /// the second finds the work done.
    static let migrationLock: Int64 = 0x5359_4D49_4752_0001

    /// The schema, as named migrations applied in order, named as the SQLite engine's
    /// (`FleetDatabase.migrator`) and recorded in `switchyard_migrations`. Never edit a shipped
    /// migration: add a new one to both engines. Times are integer milliseconds since 1970 (UTC).
    static let migrations: [(name: String, sql: [PostgresQuery])] = [
        ("v1-api-keys", [
            """
            CREATE TABLE api_key (
                id TEXT PRIMARY KEY NOT NULL,
                name TEXT NOT NULL,
                secret_sha256 TEXT NOT NULL UNIQUE,
                prefix TEXT NOT NULL,
                allowed_models TEXT,
                requests_per_minute BIGINT,
                tokens_per_minute BIGINT,
                is_admin BOOLEAN NOT NULL DEFAULT FALSE,
                created_ms BIGINT NOT NULL,
                revoked_ms BIGINT,
                position BIGSERIAL NOT NULL
            )
            """,
            "CREATE UNIQUE INDEX api_key_active_name ON api_key(name) WHERE revoked_ms IS NULL",
        ]),
        ("v1-usage-ledger", [
            """
            CREATE TABLE usage_record (
                id BIGSERIAL PRIMARY KEY,
                request_id TEXT NOT NULL,
                time_ms BIGINT NOT NULL,
                key_id TEXT,
                key_name TEXT,
                model TEXT NOT NULL,
                tier TEXT,
                endpoint TEXT NOT NULL,
                prompt_tokens BIGINT NOT NULL,
                completion_tokens BIGINT NOT NULL,
                latency_ms DOUBLE PRECISION NOT NULL,
                ttft_ms DOUBLE PRECISION,
                status BIGINT NOT NULL,
                wake_ms DOUBLE PRECISION,
                stream BOOLEAN NOT NULL
            )
            """,
            "CREATE INDEX usage_record_time ON usage_record(time_ms)",
        ]),
        ("v2-stored-responses", [
            """
            CREATE TABLE stored_response (
                id TEXT PRIMARY KEY NOT NULL,
                owner TEXT NOT NULL,
                model TEXT NOT NULL,
                created_ms BIGINT NOT NULL,
                previous_response_id TEXT,
                input_items TEXT NOT NULL,
                body TEXT NOT NULL
            )
            """,
            "CREATE INDEX stored_response_created ON stored_response(created_ms)",
        ]),
        ("v3-usage-entry-id", [
            "ALTER TABLE usage_record ADD COLUMN entry_id TEXT",
            "UPDATE usage_record SET entry_id = 'row-' || id",
            "ALTER TABLE usage_record ALTER COLUMN entry_id SET NOT NULL",
            "CREATE UNIQUE INDEX usage_record_entry ON usage_record(entry_id)",
        ]),
        ("v4-rate-buckets", rateBucketMigration),
        ("v5-tier-activity", tierActivityMigration),
    ]

    /// Applies the migrations the database lacks, each in its own transaction, holding the
    /// migration lock on one connection meanwhile (the lock dies with the connection, so a replica
    /// that crashes mid-migration blocks nobody).
    func migrate() async throws(AccountsError) {
        do {
            try await client.withConnection { connection in
                try await connection.query("SELECT pg_advisory_lock(\(Self.migrationLock))", logger: logger)
                do {
                    try await Self.applyMissing(on: connection, logger: logger)
                } catch {
                    _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.migrationLock))", logger: logger)
                    throw error
                }
                try await connection.query("SELECT pg_advisory_unlock(\(Self.migrationLock))", logger: logger)
            }
        } catch {
            throw mapped(error, "migrate")
        }
    }

    private static func applyMissing(on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            CREATE TABLE IF NOT EXISTS switchyard_migrations (
                position BIGSERIAL NOT NULL,
                name TEXT PRIMARY KEY NOT NULL,
                applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
            )
            """, logger: logger)
        let applied = Set(try await appliedNames(on: connection, logger: logger))
        for migration in migrations where !applied.contains(migration.name) {
            try await connection.query("BEGIN", logger: logger)
            do {
                for statement in migration.sql { try await connection.query(statement, logger: logger) }
                try await connection.query(
                    "INSERT INTO switchyard_migrations (name) VALUES (\(migration.name))", logger: logger)
                try await connection.query("COMMIT", logger: logger)
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
            logger.info("applied a database migration", metadata: ["database.migration": .string(migration.name)])
        }
    }

    private static func appliedNames(on connection: PostgresConnection, logger: Logger) async throws -> [String] {
        var names: [String] = []
        for try await name in try await connection.query(
            "SELECT name FROM switchyard_migrations ORDER BY position", logger: logger
        ).decode(String.self) {
            names.append(name)
        }
        return names
    }

    public func appliedMigrations() async throws(AccountsError) -> [String] {
        do {
            return try await client.withConnection { connection in
                try await Self.appliedNames(on: connection, logger: logger)
            }
        } catch {
            throw mapped(error, "read the migrations of")
        }
    }
}
