import Foundation

/// The API keys in the fleet store: create, list, revoke, authenticate. The rules live here, once
/// for both engines; the store only keeps rows.
///
/// Every call reads or writes the store, so a key revoked by `switchyard keys revoke` in another
/// process stops authenticating at the next lookup (the server caches lookups for at most a second:
/// see `KeyCache`). `authenticate` is one lookup on the unique index of the secret's SHA-256.
public final class KeyStore: Sendable {
    public let store: any FleetStore

    public init(store: any FleetStore) {
        self.store = store
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
    ) async throws(AccountsError) -> (key: APIKey, secret: String) {
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
        try await store.insertKey(key, secretSHA256: KeySecret.hash(secret))
        return (key, secret)
    }

    /// The keys in the order they were created; revoked ones only when `includeRevoked`.
    public func list(includeRevoked: Bool = false) async throws(AccountsError) -> [APIKey] {
        try await store.keys(includeRevoked: includeRevoked)
    }

    /// Revokes the key with this id, or the active key with this name, and returns it (with `revokedAt`).
    /// A revoked key never authenticates again; its usage rows stay.
    ///
    /// - Throws: `AccountsError` `.unknownKey` (no such id or active name), `.ambiguousKey` (the text
    ///   is one key's id and another active key's name), `.alreadyRevoked` (an id whose key is revoked,
    ///   also when another process revoked it a moment before).
    public func revoke(_ idOrName: String) async throws(AccountsError) -> APIKey {
        let text = idOrName.trimmingCharacters(in: .whitespaces)
        let now = Date().roundedToMilliseconds
        let byID = try await store.key(id: text)
        let byName = try await store.activeKey(named: text)
        if let byID, let byName, byID.id != byName.id {
            throw AccountsError(
                .ambiguousKey,
                "'\(text)' is the id of key '\(byID.name)' and the name of key \(byName.id); revoke by id instead")
        }
        guard var key = byID ?? byName else {
            let revoked = try await store.revokedKeyCount(named: text)
            let note = revoked > 0 ? " (a key named '\(text)' is already revoked)" : ""
            throw AccountsError(.unknownKey, "no key has the id or active name '\(text)'\(note); see `switchyard keys list --all`")
        }
        if let revokedAt = key.revokedAt {
            throw Self.alreadyRevoked(key, at: revokedAt)
        }
        guard try await store.markRevoked(id: key.id, at: now) else {
            let current = try await store.key(id: key.id)
            throw Self.alreadyRevoked(key, at: current?.revokedAt ?? now)
        }
        key.revokedAt = now
        return key
    }

    /// The active key whose secret this is, or nil (unknown, malformed or revoked).
    public func authenticate(secret: String) async throws(AccountsError) -> APIKey? {
        guard KeySecret.looksLikeSecret(secret) else { return nil }
        return try await store.activeKey(secretSHA256: KeySecret.hash(secret))
    }

    /// Whether any key is active (the server requires a key on every request when so).
    public func hasActiveKeys() async throws(AccountsError) -> Bool {
        try await store.hasActiveKeys()
    }

    private static func alreadyRevoked(_ key: APIKey, at time: Date) -> AccountsError {
        AccountsError(.alreadyRevoked, "key '\(key.name)' (\(key.id)) was already revoked at \(time.formatted(.iso8601))")
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
