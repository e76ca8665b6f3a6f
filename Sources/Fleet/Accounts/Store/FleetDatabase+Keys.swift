import Foundation
import GRDB

/// The SQLite engine's key rows.
extension FleetDatabase {
    public func insertKey(_ key: APIKey, secretSHA256: String) async throws(AccountsError) {
        let modelsJSON = try key.allowedModels.map { models throws(AccountsError) in try APIKeyRow.encode(models) }
        try await write("create a key in") { db in
            if try Self.activeKey(named: key.name, db) != nil {
                throw AccountsError.duplicateName(key.name)
            }
            try db.execute(
                sql: """
                    INSERT INTO api_key (id, name, secret_sha256, prefix, allowed_models, requests_per_minute,
                                         tokens_per_minute, is_admin, created_ms, revoked_ms)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)
                    """,
                arguments: [
                    key.id, key.name, secretSHA256, key.prefix, modelsJSON, key.requestsPerMinute,
                    key.tokensPerMinute, key.isAdmin, key.createdAt.millisecondsSince1970,
                ])
        }
    }

    public func keys(includeRevoked: Bool) async throws(AccountsError) -> [APIKey] {
        try await read("list the keys in") { db in
            let filter = includeRevoked ? "" : "WHERE revoked_ms IS NULL"
            return try Row.fetchAll(db, sql: "SELECT * FROM api_key \(filter) ORDER BY created_ms, rowid").map(Self.key(from:))
        }
    }

    public func key(id: String) async throws(AccountsError) -> APIKey? {
        try await read("look up a key in") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM api_key WHERE id = ?", arguments: [id]).map(Self.key(from:))
        }
    }

    public func activeKey(named name: String) async throws(AccountsError) -> APIKey? {
        try await read("look up a key in") { db in try Self.activeKey(named: name, db) }
    }

    public func revokedKeyCount(named name: String) async throws(AccountsError) -> Int {
        try await read("look up a key in") { db in
            try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM api_key WHERE name = ? AND revoked_ms IS NOT NULL", arguments: [name]) ?? 0
        }
    }

    public func markRevoked(id: String, at time: Date) async throws(AccountsError) -> Bool {
        try await write("revoke a key in") { db in
            try db.execute(
                sql: "UPDATE api_key SET revoked_ms = ? WHERE id = ? AND revoked_ms IS NULL",
                arguments: [time.millisecondsSince1970, id])
            return db.changesCount > 0
        }
    }

    public func activeKey(secretSHA256: String) async throws(AccountsError) -> APIKey? {
        try await read("look up a key in") { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM api_key WHERE secret_sha256 = ? AND revoked_ms IS NULL", arguments: [secretSHA256]
            ).map(Self.key(from:))
        }
    }

    public func hasActiveKeys() async throws(AccountsError) -> Bool {
        try await read("count the keys in") { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM api_key WHERE revoked_ms IS NULL)") ?? false
        }
    }

    private static func activeKey(named name: String, _ db: Database) throws -> APIKey? {
        try Row.fetchOne(db, sql: "SELECT * FROM api_key WHERE name = ? AND revoked_ms IS NULL", arguments: [name])
            .map(key(from:))
    }

    private static func key(from row: Row) throws -> APIKey {
        try APIKeyRow(
            id: row["id"], name: row["name"], prefix: row["prefix"], allowedModelsJSON: row["allowed_models"],
            requestsPerMinute: row["requests_per_minute"], tokensPerMinute: row["tokens_per_minute"],
            isAdmin: row["is_admin"], createdMilliseconds: row["created_ms"], revokedMilliseconds: row["revoked_ms"]
        ).key()
    }
}
