import Foundation
import PostgresNIO

/// The PostgreSQL engine's key rows.
extension PostgresFleetStore {
    private static let keyColumns = """
        id, name, prefix, allowed_models, requests_per_minute, tokens_per_minute, is_admin, created_ms, revoked_ms
        """

    public func insertKey(_ key: APIKey, secretSHA256: String) async throws(AccountsError) {
        let modelsJSON = try key.allowedModels.map { models throws(AccountsError) in try APIKeyRow.encode(models) }
        do {
            _ = try await client.query(
                """
                INSERT INTO api_key (id, name, secret_sha256, prefix, allowed_models, requests_per_minute,
                                     tokens_per_minute, is_admin, created_ms, revoked_ms)
                VALUES (\(key.id), \(key.name), \(secretSHA256), \(key.prefix), \(modelsJSON), \(key.requestsPerMinute),
                        \(key.tokensPerMinute), \(key.isAdmin), \(key.createdAt.millisecondsSince1970), NULL)
                """, logger: logger)
        } catch {
            // The partial unique index on active names decides, atomically, between two creators.
            if Self.sqlState(error) == "23505", (error as? PSQLError)?.serverInfo?[.constraintName] == "api_key_active_name" {
                throw AccountsError.duplicateName(key.name)
            }
            throw mapped(error, "create a key in")
        }
    }

    public func keys(includeRevoked: Bool) async throws(AccountsError) -> [APIKey] {
        let rows = try await rows(
            "list the keys in",
            "SELECT \(unescaped: Self.keyColumns) FROM api_key WHERE \(includeRevoked) OR revoked_ms IS NULL ORDER BY created_ms, position")
        return try rows.map { row throws(AccountsError) in try Self.key(from: row) }
    }

    public func key(id: String) async throws(AccountsError) -> APIKey? {
        try await rows("look up a key in", "SELECT \(unescaped: Self.keyColumns) FROM api_key WHERE id = \(id)")
            .first.map { row throws(AccountsError) in try Self.key(from: row) }
    }

    public func activeKey(named name: String) async throws(AccountsError) -> APIKey? {
        try await rows(
            "look up a key in",
            "SELECT \(unescaped: Self.keyColumns) FROM api_key WHERE name = \(name) AND revoked_ms IS NULL"
        ).first.map { row throws(AccountsError) in try Self.key(from: row) }
    }

    public func revokedKeyCount(named name: String) async throws(AccountsError) -> Int {
        let rows = try await rows(
            "look up a key in", "SELECT COUNT(*)::BIGINT FROM api_key WHERE name = \(name) AND revoked_ms IS NOT NULL")
        return try decode("count the keys in") { try rows.first?.decode(Int.self) } ?? 0
    }

    public func markRevoked(id: String, at time: Date) async throws(AccountsError) -> Bool {
        try await !rows(
            "revoke a key in",
            "UPDATE api_key SET revoked_ms = \(time.millisecondsSince1970) WHERE id = \(id) AND revoked_ms IS NULL RETURNING id"
        ).isEmpty
    }

    public func activeKey(secretSHA256: String) async throws(AccountsError) -> APIKey? {
        try await rows(
            "look up a key in",
            "SELECT \(unescaped: Self.keyColumns) FROM api_key WHERE secret_sha256 = \(secretSHA256) AND revoked_ms IS NULL"
        ).first.map { row throws(AccountsError) in try Self.key(from: row) }
    }

    public func hasActiveKeys() async throws(AccountsError) -> Bool {
        let rows = try await rows("count the keys in", "SELECT EXISTS (SELECT 1 FROM api_key WHERE revoked_ms IS NULL)")
        return try decode("count the keys in") { try rows.first?.decode(Bool.self) } ?? false
    }

    /// Runs a decoding step, turning a type mismatch into a clear `.database` error.
    func decode<T>(_ what: String, _ body: () throws -> T) throws(AccountsError) -> T {
        do {
            return try body()
        } catch {
            throw AccountsError(.database, "cannot \(what) \(location): unexpected column data: \(error)")
        }
    }

    private static func key(from row: PostgresRow) throws(AccountsError) -> APIKey {
        let keyRow: APIKeyRow
        do {
            let (id, name, prefix, models, rpm, tpm, admin, created, revoked) = try row.decode(
                (String, String, String, String?, Int?, Int?, Bool, Int64, Int64?).self)
            keyRow = APIKeyRow(
                id: id, name: name, prefix: prefix, allowedModelsJSON: models, requestsPerMinute: rpm,
                tokensPerMinute: tpm, isAdmin: admin, createdMilliseconds: created, revokedMilliseconds: revoked)
        } catch {
            throw AccountsError(.database, "an api_key row has unexpected column data: \(error)")
        }
        return try keyRow.key()
    }
}
