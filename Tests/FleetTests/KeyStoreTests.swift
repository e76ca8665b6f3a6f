import Fleet
import Foundation
import Testing

@Suite struct KeyStoreTests {
    private static let base62 = Set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")

    @Test func createdKeyAuthenticatesWithItsSecret() throws {
        let scratch = try DatabaseScratch()
        let store = KeyStore(database: try scratch.open())
        let (key, secret) = try store.create(
            name: "alice", allowedModels: ["smollm2", "big"], requestsPerMinute: 60, tokensPerMinute: 10_000, isAdmin: true)
        #expect(secret.hasPrefix("sy-"))
        #expect(secret.count == 43)
        #expect(secret.dropFirst(3).allSatisfy { Self.base62.contains($0) })
        #expect(key.id.hasPrefix("key_") && key.id.count == 20)
        #expect(key.id.dropFirst(4).allSatisfy { Self.base62.contains($0) })
        #expect(key.prefix == String(secret.prefix(10)))
        #expect(key.name == "alice")
        #expect(key.allowedModels == ["smollm2", "big"])
        #expect(key.requestsPerMinute == 60 && key.tokensPerMinute == 10_000 && key.isAdmin)
        #expect(key.revokedAt == nil && key.isActive)
        #expect(abs(key.createdAt.timeIntervalSinceNow) < 600)
        #expect(try store.authenticate(secret: secret) == key)
        #expect(try store.list() == [key])
        #expect(try store.hasActiveKeys())
    }

    @Test func unknownOrMalformedSecretsDoNotAuthenticate() throws {
        let scratch = try DatabaseScratch()
        let store = KeyStore(database: try scratch.open())
        #expect(try !store.hasActiveKeys())
        let (_, secret) = try store.create(name: "bob")
        let other = "sy-" + String(repeating: "A", count: 40)
        #expect(try store.authenticate(secret: other) == nil)
        #expect(try store.authenticate(secret: "") == nil)
        #expect(try store.authenticate(secret: String(secret.dropLast())) == nil)
        #expect(try store.authenticate(secret: secret + "x") == nil)
        #expect(try store.authenticate(secret: secret.uppercased()) == nil)
    }

    @Test func secretsAndIDsAreDistinct() throws {
        let scratch = try DatabaseScratch()
        let store = KeyStore(database: try scratch.open())
        var secrets = Set<String>()
        var ids = Set<String>()
        for index in 0..<20 {
            let (key, secret) = try store.create(name: "k\(index)")
            secrets.insert(secret)
            ids.insert(key.id)
        }
        #expect(secrets.count == 20 && ids.count == 20)
    }

    @Test func revokeByIDStopsAuthentication() throws {
        let scratch = try DatabaseScratch()
        let store = KeyStore(database: try scratch.open())
        let (key, secret) = try store.create(name: "ci")
        let (other, otherSecret) = try store.create(name: "other")
        let revoked = try store.revoke(key.id)
        #expect(revoked.id == key.id && revoked.revokedAt != nil && !revoked.isActive)
        #expect(try store.authenticate(secret: secret) == nil)
        #expect(try store.authenticate(secret: otherSecret) == other)
        #expect(try store.list() == [other])
        #expect(try store.list(includeRevoked: true).map(\.id) == [key.id, other.id])
        #expect(try store.list(includeRevoked: true).first == revoked)
    }

    @Test func revokeByNameAndTheNameBecomesFree() throws {
        let scratch = try DatabaseScratch()
        let store = KeyStore(database: try scratch.open())
        let (first, firstSecret) = try store.create(name: "deploy")
        #expect(try store.revoke("deploy").id == first.id)
        #expect(try store.authenticate(secret: firstSecret) == nil)
        #expect(try !store.hasActiveKeys())
        let (second, secondSecret) = try store.create(name: "deploy")
        #expect(second.id != first.id)
        #expect(try store.authenticate(secret: secondSecret) == second)
        #expect(try store.revoke("deploy").id == second.id)
    }

    @Test func revokeErrorsAreClear() throws {
        let scratch = try DatabaseScratch()
        let store = KeyStore(database: try scratch.open())
        let unknown = #expect(throws: AccountsError.self) { try store.revoke("nobody") }
        #expect(unknown?.code == .unknownKey)
        #expect(unknown?.message.contains("nobody") == true)

        let (key, _) = try store.create(name: "once")
        _ = try store.revoke(key.id)
        let twice = #expect(throws: AccountsError.self) { try store.revoke(key.id) }
        #expect(twice?.code == .alreadyRevoked)
        let byName = #expect(throws: AccountsError.self) { try store.revoke("once") }
        #expect(byName?.code == .unknownKey)
        #expect(byName?.message.contains("already revoked") == true)

        // A key named like another key's id: the text names two keys.
        let (target, _) = try store.create(name: "target")
        let (impostor, _) = try store.create(name: target.id)
        let ambiguous = #expect(throws: AccountsError.self) { try store.revoke(target.id) }
        #expect(ambiguous?.code == .ambiguousKey)
        #expect(try store.list().map(\.id) == [target.id, impostor.id])
    }

    @Test func activeNamesAreUniqueAndArgumentsChecked() throws {
        let scratch = try DatabaseScratch()
        let store = KeyStore(database: try scratch.open())
        _ = try store.create(name: "team")
        let duplicate = #expect(throws: AccountsError.self) { try store.create(name: " team ") }
        #expect(duplicate?.code == .duplicateName)
        for attempt: () throws -> Void in [
            { _ = try store.create(name: "  ") },
            { _ = try store.create(name: "x", requestsPerMinute: 0) },
            { _ = try store.create(name: "x", tokensPerMinute: -5) },
            { _ = try store.create(name: "x", allowedModels: []) },
            { _ = try store.create(name: "x", allowedModels: ["a", " "]) },
        ] {
            let error = #expect(throws: AccountsError.self) { try attempt() }
            #expect(error?.code == .invalidArgument)
        }
        #expect(try store.list().count == 1)
    }

    @Test func allowedModelsRestrictTheKey() throws {
        let scratch = try DatabaseScratch()
        let store = KeyStore(database: try scratch.open())
        let (limited, _) = try store.create(name: "limited", allowedModels: ["smollm2", "smollm2", " big "])
        #expect(limited.allowedModels == ["smollm2", "big"])
        #expect(limited.allows(model: "smollm2") && limited.allows(model: "big"))
        #expect(!limited.allows(model: "other"))
        let (open, _) = try store.create(name: "open")
        #expect(open.allowedModels == nil && open.allows(model: "anything"))
    }

    @Test func secretsAreNeverStoredInPlainText() throws {
        let scratch = try DatabaseScratch()
        var secrets: [String] = []
        do {
            let store = KeyStore(database: try scratch.open())
            for index in 0..<5 { secrets.append(try store.create(name: "plain-\(index)").secret) }
            _ = try store.revoke("plain-0")
            // Read while the pool is open (rows may still be in the WAL file) ...
            try Self.expectAbsent(secrets, in: scratch)
        }
        // ... and after it is closed (checkpointed into the main file).
        try Self.expectAbsent(secrets, in: scratch)
        let files = try scratch.allBytes()
        #expect(files.contains { $0.name == "switchyard.sqlite" })
    }

    private static func expectAbsent(_ secrets: [String], in scratch: DatabaseScratch) throws {
        let files = try scratch.allBytes()
        for secret in secrets {
            // The random part alone must not appear either (nor the hash's input in any encoding).
            for needle in [secret, String(secret.dropFirst(3)), String(secret.suffix(30))] {
                for file in files {
                    #expect(file.bytes.range(of: Data(needle.utf8)) == nil, "a secret is in \(file.name)")
                }
            }
        }
    }

    @Test func keysSurviveAReopen() throws {
        let scratch = try DatabaseScratch()
        let created: (key: APIKey, secret: String)
        let revokedID: String
        do {
            let store = KeyStore(database: try scratch.open())
            created = try store.create(name: "persistent", allowedModels: ["m"], requestsPerMinute: 5)
            revokedID = try store.create(name: "gone").key.id
            _ = try store.revoke(revokedID)
        }
        let reopened = KeyStore(database: try scratch.open())
        #expect(try reopened.authenticate(secret: created.secret) == created.key)
        #expect(try reopened.list() == [created.key])
        #expect(try reopened.list(includeRevoked: true).map(\.id) == [created.key.id, revokedID])
    }

    @Test func keysEncodeAsJSON() throws {
        let scratch = try DatabaseScratch()
        let (key, secret) = try KeyStore(database: try scratch.open()).create(name: "json")
        let data = try JSONEncoder().encode(key)
        #expect(try JSONDecoder().decode(APIKey.self, from: data) == key)
        #expect(!String(decoding: data, as: UTF8.self).contains(secret))
    }
}
