import GRDB

extension FleetDatabase {
    /// The schema, as named migrations applied in order (GRDB records them in `grdb_migrations`).
    /// Never edit a shipped migration: add a new one.
    ///
    /// Times are integer milliseconds since 1970 (UTC), readable with
    /// `datetime(time_ms / 1000, 'unixepoch')`.
    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()

        migrator.registerMigration("v1-api-keys") { db in
            try db.execute(sql: """
                CREATE TABLE api_key (
                    id TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL,
                    secret_sha256 TEXT NOT NULL UNIQUE,
                    prefix TEXT NOT NULL,
                    allowed_models TEXT,
                    requests_per_minute INTEGER,
                    tokens_per_minute INTEGER,
                    is_admin INTEGER NOT NULL DEFAULT 0,
                    created_ms INTEGER NOT NULL,
                    revoked_ms INTEGER
                );
                CREATE UNIQUE INDEX api_key_active_name ON api_key(name) WHERE revoked_ms IS NULL;
                """)
        }

        migrator.registerMigration("v1-usage-ledger") { db in
            try db.execute(sql: """
                CREATE TABLE usage_record (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    request_id TEXT NOT NULL,
                    time_ms INTEGER NOT NULL,
                    key_id TEXT,
                    key_name TEXT,
                    model TEXT NOT NULL,
                    tier TEXT,
                    endpoint TEXT NOT NULL,
                    prompt_tokens INTEGER NOT NULL,
                    completion_tokens INTEGER NOT NULL,
                    latency_ms REAL NOT NULL,
                    ttft_ms REAL,
                    status INTEGER NOT NULL,
                    wake_ms REAL,
                    stream INTEGER NOT NULL
                );
                CREATE INDEX usage_record_time ON usage_record(time_ms);
                """)
        }

        // Responses API: `POST /v1/responses` with `store` (the default) keeps each turn here for
        // `GET /v1/responses/{id}` and `previous_response_id`; pruned with the usage ledger.
        migrator.registerMigration("v2-stored-responses") { db in
            try db.execute(sql: """
                CREATE TABLE stored_response (
                    id TEXT PRIMARY KEY NOT NULL,
                    owner TEXT NOT NULL,
                    model TEXT NOT NULL,
                    created_ms INTEGER NOT NULL,
                    previous_response_id TEXT,
                    input_items TEXT NOT NULL,
                    body TEXT NOT NULL
                );
                CREATE INDEX stored_response_created ON stored_response(created_ms);
                """)
        }

        // One row per request, idempotent: a batch written again (a retry, a spool replay) must
        // not count twice. Rows from before get an entry id made of their row id.
        migrator.registerMigration("v3-usage-entry-id") { db in
            try db.execute(sql: """
                ALTER TABLE usage_record ADD COLUMN entry_id TEXT;
                UPDATE usage_record SET entry_id = 'row-' || id;
                CREATE UNIQUE INDEX usage_record_entry ON usage_record(entry_id);
                """)
        }

        // Rate-limit buckets in the store (see `RateLimitRecords`).
        migrator.registerMigration("v4-rate-buckets") { db in
            try db.execute(sql: """
                CREATE TABLE rate_bucket (
                    key_id TEXT PRIMARY KEY NOT NULL,
                    request_level REAL,
                    token_level REAL,
                    updated_ms INTEGER NOT NULL
                );
                """)
        }

        // When any replica last served each tier (see `TierCoordination`; one SQLite process needs
        // no coordination, the table keeps both engines' schemas alike).
        migrator.registerMigration("v5-tier-activity") { db in
            try db.execute(sql: """
                CREATE TABLE tier_activity (
                    tier TEXT PRIMARY KEY NOT NULL,
                    last_served_ms INTEGER NOT NULL
                );
                """)
        }

        return migrator
    }()
}
