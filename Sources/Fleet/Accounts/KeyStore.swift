import Foundation
import GRDB

/// The API keys in the fleet database: create, list, revoke, authenticate.
///
/// Every call reads or writes the file, so a key revoked by `switchyard keys revoke` in another
/// process stops authenticating at the server's next request. `authenticate` is one lookup on the
/// unique index of the secret's SHA-256.
public final class KeyStore: Sendable {
    public let database: FleetDatabase

    public init(database: FleetDatabase) {
        self.database = database
    }

    /// Creates a key and returns it with its secret, the only time the secret is available.
    ///
    /// - Parameters:
    ///   - name: unique among active keys (surrounding spaces are dropped).
    ///   - allowedModels: the public model names the key may use; nil for all.
    ///   - requestsPerMinute: nil for unlimited, else at least 1.
    ///   - tokensPerMinute: nil for unlimited, else at least 1.
    ///   - isAdmin: may use the admin endpoints.
    /// - Throws: `AccountsError` `.duplicateName`, `.invalidArgument` or `.database`.
    public func create(
        name: String, allowedModels: [String]? = nil, requestsPerMinute: Int? = nil,
        tokensPerMinute: Int? = nil, isAdmin: Bool = false
    ) throws(AccountsError) -> (key: APIKey, secret: String) {
        let name = try Self.validName(name)
        let models = try allowedModels.map { models throws(AccountsError) in try Self.validModels(models) }
        for (label, value) in [("requests per minute", requestsPerMinute), ("tokens per minute", tokensPerMinute)] {
            if let value, value < 1 {
                throw AccountsError(.invalidArgument, "\(label) must be at least 1 (leave it out for no limit), not \(value)")
            }
        }
        let secret = KeySecret.generate()
        let key = APIKey(
            id: KeySecret.generateID(), name: name, prefix: String(secret.prefix(KeySecret.displayPrefixLength)),
            allowedModels: models, requestsPerMinute: requestsPerMinute, tokensPerMinute: tokensPerMinute,
            isAdmin: isAdmin, createdAt: Date().roundedToMilliseconds, revokedAt: nil)
        let modelsJSON = try models.map { models throws(AccountsError) in try Self.encode(models) }
        try database.write("create a key in") { db in
            if try Self.activeKey(named: name, db) != nil {
                throw AccountsError(.duplicateName, "an active key is already named '\(name)'; revoke it first or choose another name")
            }
            try db.execute(
                sql: """
                    INSERT INTO api_key (id, name, secret_sha256, prefix, allowed_models, requests_per_minute,
                                         tokens_per_minute, is_admin, created_ms, revoked_ms)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)
                    """,
                arguments: [
                    key.id, key.name, KeySecret.hash(secret), key.prefix, modelsJSON, key.requestsPerMinute,
                    key.tokensPerMinute, key.isAdmin, key.createdAt.millisecondsSince1970,
                ])
        }
        return (key, secret)
    }

    /// The keys in the order they were created; revoked ones only when `includeRevoked`.
    public func list(includeRevoked: Bool = false) throws(AccountsError) -> [APIKey] {
        try database.read("list the keys in") { db in
            let filter = includeRevoked ? "" : "WHERE revoked_ms IS NULL"
            return try Row.fetchAll(db, sql: "SELECT * FROM api_key \(filter) ORDER BY created_ms, rowid").map(Self.key(from:))
        }
    }

    /// Revokes the key with this id, or the active key with this name, and returns it (with `revokedAt`).
    /// A revoked key never authenticates again; its usage rows stay.
    ///
    /// - Throws: `AccountsError` `.unknownKey` (no such id or active name), `.ambiguousKey` (the text
    ///   is one key's id and another active key's name), `.alreadyRevoked` (an id whose key is revoked).
    public func revoke(_ idOrName: String) throws(AccountsError) -> APIKey {
        let text = idOrName.trimmingCharacters(in: .whitespaces)
        let now = Date().roundedToMilliseconds
        return try database.write("revoke a key in") { db in
            let byID = try Row.fetchOne(db, sql: "SELECT * FROM api_key WHERE id = ?", arguments: [text]).map(Self.key(from:))
            let byName = try Self.activeKey(named: text, db)
            if let byID, let byName, byID.id != byName.id {
                throw AccountsError(
                    .ambiguousKey,
                    "'\(text)' is the id of key '\(byID.name)' and the name of key \(byName.id); revoke by id instead")
            }
            guard var key = byID ?? byName else {
                let revoked = try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM api_key WHERE name = ? AND revoked_ms IS NOT NULL", arguments: [text]) ?? 0
                let note = revoked > 0 ? " (a key named '\(text)' is already revoked)" : ""
                throw AccountsError(.unknownKey, "no key has the id or active name '\(text)'\(note); see `switchyard keys list --all`")
            }
            if let revokedAt = key.revokedAt {
                throw AccountsError(
                    .alreadyRevoked,
                    "key '\(key.name)' (\(key.id)) was already revoked at \(revokedAt.formatted(.iso8601))")
            }
            try db.execute(
                sql: "UPDATE api_key SET revoked_ms = ? WHERE id = ?", arguments: [now.millisecondsSince1970, key.id])
            key.revokedAt = now
            return key
        }
    }

    /// The active key whose secret this is, or nil (unknown, malformed or revoked).
    public func authenticate(secret: String) throws(AccountsError) -> APIKey? {
        guard KeySecret.looksLikeSecret(secret) else { return nil }
        let hash = KeySecret.hash(secret)
        return try database.read("look up a key in") { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM api_key WHERE secret_sha256 = ? AND revoked_ms IS NULL", arguments: [hash]
            ).map(Self.key(from:))
        }
    }

    /// Whether any key is active (the server requires a key on every request when so).
    public func hasActiveKeys() throws(AccountsError) -> Bool {
        try database.read("count the keys in") { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM api_key WHERE revoked_ms IS NULL)") ?? false
        }
    }

    // MARK: - Rows

    private static func activeKey(named name: String, _ db: Database) throws -> APIKey? {
        try Row.fetchOne(db, sql: "SELECT * FROM api_key WHERE name = ? AND revoked_ms IS NULL", arguments: [name])
            .map(key(from:))
    }

    private static func key(from row: Row) throws -> APIKey {
        let modelsJSON: String? = row["allowed_models"]
        let revoked: Int64? = row["revoked_ms"]
        return APIKey(
            id: row["id"], name: row["name"], prefix: row["prefix"],
            allowedModels: try modelsJSON.map { try JSONDecoder().decode([String].self, from: Data($0.utf8)) },
            requestsPerMinute: row["requests_per_minute"], tokensPerMinute: row["tokens_per_minute"],
            isAdmin: row["is_admin"], createdAt: Date(millisecondsSince1970: row["created_ms"]),
            revokedAt: revoked.map(Date.init(millisecondsSince1970:)))
    }

    private static func encode(_ models: [String]) throws(AccountsError) -> String {
        do {
            return String(decoding: try JSONEncoder().encode(models), as: UTF8.self)
        } catch {
            throw AccountsError(.invalidArgument, "cannot encode the model list: \(error)")
        }
    }

    // MARK: - Validation

    private static func validName(_ name: String) throws(AccountsError) -> String {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw AccountsError(.invalidArgument, "a key needs a name") }
        guard trimmed.count <= 100 else { throw AccountsError(.invalidArgument, "a key's name is at most 100 characters") }
        guard !trimmed.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) }) else {
            throw AccountsError(.invalidArgument, "a key's name cannot contain control characters")
        }
        return trimmed
    }

    private static func validModels(_ models: [String]) throws(AccountsError) -> [String] {
        var seen = Set<String>()
        var result: [String] = []
        for model in models {
            let trimmed = model.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else {
                throw AccountsError(.invalidArgument, "a model name in the allowed list is empty")
            }
            if seen.insert(trimmed).inserted { result.append(trimmed) }
        }
        guard !result.isEmpty else {
            throw AccountsError(
                .invalidArgument, "the allowed model list is empty; leave it out to allow every model")
        }
        return result
    }
}
