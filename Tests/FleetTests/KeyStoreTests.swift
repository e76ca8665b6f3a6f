import Fleet
import Foundation
import Testing

@Suite struct KeyStoreTests {
    private static let base62 = Set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")

    @Test(arguments: StoreEngine.available) func createdKeyAuthenticatesWithItsSecret(engine: StoreEngine) async throws {
        try await StoreScratch.with(engine) { scratch in
            let store = KeyStore(store: scratch.store)
            let (key, secret) = try await store.create(
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
            #expect(try await store.authenticate(secret: secret) == key)
            #expect(try await store.list() == [key])
            #expect(try await store.hasActiveKeys())
        }
    }

    @Test(arguments: StoreEngine.available) func unknownOrMalformedSecretsDoNotAuthenticate(engine: StoreEngine) async throws {
        try await StoreScratch.with(engine) { scratch in
            let store = KeyStore(store: scratch.store)
            #expect(try await !store.hasActiveKeys())
            let (_, secret) = try await store.create(name: "bob")
            let other = "sy-" + String(repeating: "A", count: 40)
            #expect(try await store.authenticate(secret: other) == nil)
            #expect(try await store.authenticate(secret: "") == nil)
            #expect(try await store.authenticate(secret: String(secret.dropLast())) == nil)
            #expect(try await store.authenticate(secret: secret + "x") == nil)
            #expect(try await store.authenticate(secret: secret.uppercased()) == nil)
        }
    }

    @Test(arguments: StoreEngine.available) func secretsAndIDsAreDistinct(engine: StoreEngine) async throws {
        try await StoreScratch.with(engine) { scratch in
            let store = KeyStore(store: scratch.store)
            var secrets = Set<String>()
            var ids = Set<String>()
            for index in 0..<20 {
                let (key, secret) = try await store.create(name: "k\(index)")
                secrets.insert(secret)
                ids.insert(key.id)
            }
            #expect(secrets.count == 20 && ids.count == 20)
        }
    }

    @Test(arguments: StoreEngine.available) func revokeByIDStopsAuthentication(engine: StoreEngine) async throws {
        try await StoreScratch.with(engine) { scratch in
            let store = KeyStore(store: scratch.store)
            let (key, secret) = try await store.create(name: "ci")
            let (other, otherSecret) = try await store.create(name: "other")
            let revoked = try await store.revoke(key.id)
            #expect(revoked.id == key.id && revoked.revokedAt != nil && !revoked.isActive)
            #expect(try await store.authenticate(secret: secret) == nil)
            #expect(try await store.authenticate(secret: otherSecret) == other)
            #expect(try await store.list() == [other])
            #expect(try await store.list(includeRevoked: true).map(\.id) == [key.id, other.id])
            #expect(try await store.list(includeRevoked: true).first == revoked)
        }
    }

    @Test(arguments: StoreEngine.available) func revokeByNameAndTheNameBecomesFree(engine: StoreEngine) async throws {
        try await StoreScratch.with(engine) { scratch in
            let store = KeyStore(store: scratch.store)
            let (first, firstSecret) = try await store.create(name: "deploy")
            #expect(try await store.revoke("deploy").id == first.id)
            #expect(try await store.authenticate(secret: firstSecret) == nil)
            #expect(try await !store.hasActiveKeys())
            let (second, secondSecret) = try await store.create(name: "deploy")
            #expect(second.id != first.id)
            #expect(try await store.authenticate(secret: secondSecret) == second)
            #expect(try await store.revoke("deploy").id == second.id)
        }
    }

    @Test(arguments: StoreEngine.available) func revokeErrorsAreClear(engine: StoreEngine) async throws {
        try await StoreScratch.with(engine) { scratch in
            let store = KeyStore(store: scratch.store)
            let unknown = await #expect(throws: AccountsError.self) { try await store.revoke("nobody") }
            #expect(unknown?.code == .unknownKey)
            #expect(unknown?.message.contains("nobody") == true)

            let (key, _) = try await store.create(name: "once")
            _ = try await store.revoke(key.id)
            let twice = await #expect(throws: AccountsError.self) { try await store.revoke(key.id) }
            #expect(twice?.code == .alreadyRevoked)
            let byName = await #expect(throws: AccountsError.self) { try await store.revoke("once") }
            #expect(byName?.code == .unknownKey)
            #expect(byName?.message.contains("already revoked") == true)

            // A key named like another key's id: the text names two keys.
            let (target, _) = try await store.create(name: "target")
            let (impostor, _) = try await store.create(name: target.id)
            let ambiguous = await #expect(throws: AccountsError.self) { try await store.revoke(target.id) }
            #expect(ambiguous?.code == .ambiguousKey)
            #expect(try await store.list().map(\.id) == [target.id, impostor.id])
        }
    }

    @Test(arguments: StoreEngine.available) func activeNamesAreUniqueAndArgumentsChecked(engine: StoreEngine) async throws {
        try await StoreScratch.with(engine) { scratch in
            let store = KeyStore(store: scratch.store)
            _ = try await store.create(name: "team")
            let duplicate = await #expect(throws: AccountsError.self) { try await store.create(name: " team ") }
            #expect(duplicate?.code == .duplicateName)
            for attempt: @Sendable () async throws -> Void in [
                { _ = try await store.create(name: "  ") },
                { _ = try await store.create(name: "x", requestsPerMinute: 0) },
                { _ = try await store.create(name: "x", tokensPerMinute: -5) },
                { _ = try await store.create(name: "x", allowedModels: []) },
                { _ = try await store.create(name: "x", allowedModels: ["a", " "]) },
            ] {
                let error = await #expect(throws: AccountsError.self) { try await attempt() }
                #expect(error?.code == .invalidArgument)
            }
            #expect(try await store.list().count == 1)
        }
    }

    @Test(arguments: StoreEngine.available) func allowedModelsRestrictTheKey(engine: StoreEngine) async throws {
        try await StoreScratch.with(engine) { scratch in
            let store = KeyStore(store: scratch.store)
            let (limited, _) = try await store.create(name: "limited", allowedModels: ["smollm2", "smollm2", " big "])
            #expect(limited.allowedModels == ["smollm2", "big"])
            #expect(limited.allows(model: "smollm2") && limited.allows(model: "big"))
            #expect(!limited.allows(model: "other"))
            let (open, _) = try await store.create(name: "open")
            #expect(open.allowedModels == nil && open.allows(model: "anything"))
        }
    }

    @Test func secretsAreNeverStoredInPlainText() async throws {
        // The SQLite file itself, byte for byte (PostgreSQL keeps the same columns).
        let scratch = try DatabaseScratch()
        var secrets: [String] = []
        let database = try scratch.open()
        let store = KeyStore(store: database)
        for index in 0..<5 { secrets.append(try await store.create(name: "plain-\(index)").secret) }
        _ = try await store.revoke("plain-0")
        // Read while the pool is open (rows may still be in the WAL file) ...
        try Self.expectAbsent(secrets, in: scratch)
        // ... and after it is closed (checkpointed into the main file).
        await database.close()
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

    @Test(arguments: StoreEngine.available) func keysSurviveAReopen(engine: StoreEngine) async throws {
        try await StoreScratch.with(engine) { scratch in
            let created: (key: APIKey, secret: String)
            let revokedID: String
            do {
                let store = KeyStore(store: scratch.store)
                created = try await store.create(name: "persistent", allowedModels: ["m"], requestsPerMinute: 5)
                revokedID = try await store.create(name: "gone").key.id
                _ = try await store.revoke(revokedID)
            }
            await scratch.store.close()
            let handle = try await scratch.reopen()
            let reopened = KeyStore(store: handle)
            #expect(try await reopened.authenticate(secret: created.secret) == created.key)
            #expect(try await reopened.list() == [created.key])
            #expect(try await reopened.list(includeRevoked: true).map(\.id) == [created.key.id, revokedID])
            await handle.close()
        }
    }

    @Test(arguments: StoreEngine.available) func keysEncodeAsJSON(engine: StoreEngine) async throws {
        try await StoreScratch.with(engine) { scratch in
            let (key, secret) = try await KeyStore(store: scratch.store).create(name: "json")
            let data = try JSONEncoder().encode(key)
            #expect(try JSONDecoder().decode(APIKey.self, from: data) == key)
            #expect(!String(decoding: data, as: UTF8.self).contains(secret))
        }
    }
}
