import Fleet
import Foundation
import OpenAIWire
import Testing

/// The same checks for every `ResponseStore` engine.
@Suite struct ResponseStoreTests {
    static func response(_ id: String, owner: String = "key_a", previous: String? = nil, at seconds: Double = 0) -> StoredResponse {
        StoredResponse(
            id: id, owner: owner, model: "m", created: Date(timeIntervalSince1970: 1_800_000_000 + seconds),
            previousResponseID: previous,
            inputItems: [["id": .string("msg_\(id)"), "type": "message", "role": "user", "content": [["type": "input_text", "text": "hi é 😀"]]]],
            body: ["id": .string(id), "object": "response", "output": [], "temperature": 0.7])
    }

    /// The engines: both fleet-store engines (SQLite, and PostgreSQL where the suite has a server,
    /// always under CI) and the in-memory store of a server without a database.
    static var engines: [StoreEngine?] { StoreEngine.available + [nil] }

    /// Runs `body` with a fresh store of `engine` (`nil`: in memory), and a way to open the same
    /// store again, as another replica or a restarted server would (closed by the caller).
    func with(
        _ engine: StoreEngine?, _ body: (any ResponseStore, () async throws -> (any ResponseStore, close: () async -> Void)) async throws -> Void
    ) async throws {
        guard let engine else {
            let memory = InMemoryResponseStore()
            return try await body(memory, { (memory, {}) })
        }
        try await StoreScratch.with(engine) { scratch in
            try await body(scratch.store, {
                let again = try await scratch.reopen()
                return (again, { await again.close() })
            })
        }
    }

    @Test(arguments: ResponseStoreTests.engines) func savesAndReadsBackOnlyForTheOwner(engine: StoreEngine?) async throws {
        try await with(engine) { store, reopen in
            let saved = Self.response("resp_1")
            try await store.save(saved)
            // Another handle on the database (another replica) reads the committed row.
            let (other, close) = try await reopen()
            #expect(try await other.response(id: "resp_1", owner: "key_a") == saved)
            // Saving the same id again replaces it (a stored response updated when it completes).
            var completed = saved
            completed.body = ["id": "resp_1", "object": "response", "status": "completed"]
            try await other.save(completed)
            await close()
            #expect(try await store.response(id: "resp_1", owner: "key_a") == completed)
            #expect(try await store.response(id: "resp_1", owner: "key_b") == nil)
            #expect(try await store.response(id: "resp_2", owner: "key_a") == nil)
        }
    }

    @Test(arguments: ResponseStoreTests.engines) func deleteIsOwnerOnly(engine: StoreEngine?) async throws {
        try await with(engine) { store, _ in
            try await store.save(Self.response("resp_1"))
            #expect(try await store.deleteResponse(id: "resp_1", owner: "key_b") == false)
            #expect(try await store.deleteResponse(id: "resp_1", owner: "key_a"))
            #expect(try await store.response(id: "resp_1", owner: "key_a") == nil)
            #expect(try await store.deleteResponse(id: "resp_1", owner: "key_a") == false)
        }
    }

    @Test(arguments: ResponseStoreTests.engines) func chainFollowsPreviousIDsOldestFirst(engine: StoreEngine?) async throws {
        try await with(engine) { store, _ in
            try await store.save(Self.response("resp_1"))
            try await store.save(Self.response("resp_2", previous: "resp_1"))
            try await store.save(Self.response("resp_3", previous: "resp_2"))
            try await store.save(Self.response("resp_x", owner: "key_b", previous: "resp_2"))
            #expect(try await store.chain(endingAt: "resp_3", owner: "key_a")?.map(\.id) == ["resp_1", "resp_2", "resp_3"])
            // Another owner's response never joins a chain, and an unknown end is nil.
            #expect(try await store.chain(endingAt: "resp_x", owner: "key_b")?.map(\.id) == ["resp_x"])
            #expect(try await store.chain(endingAt: "resp_3", owner: "key_b") == nil)
            _ = try await store.deleteResponse(id: "resp_1", owner: "key_a")
            #expect(try await store.chain(endingAt: "resp_3", owner: "key_a")?.map(\.id) == ["resp_2", "resp_3"])
        }
    }

    @Test(arguments: ResponseStoreTests.engines) func pruningDeletesOnlyOlderResponses(engine: StoreEngine?) async throws {
        try await with(engine) { store, _ in
            for index in 0..<5 { try await store.save(Self.response("resp_\(index)", at: Double(index))) }
            #expect(try await store.deleteResponses(before: Date(timeIntervalSince1970: 1_800_000_002)) == 2)
            #expect(try await store.response(id: "resp_1", owner: "key_a") == nil)
            #expect(try await store.response(id: "resp_2", owner: "key_a") != nil)
        }
    }
}
