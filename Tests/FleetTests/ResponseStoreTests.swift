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

    /// Runs `body` against the SQLite store (reopened, to prove the rows are on disk) and the in-memory one.
    func eachStore(_ body: (any ResponseStore, () throws -> any ResponseStore) async throws -> Void) async throws {
        let scratch = try DatabaseScratch()
        let sqlite = SQLiteResponseStore(database: try scratch.open())
        try await body(sqlite, { SQLiteResponseStore(database: try scratch.open()) })
        let memory = InMemoryResponseStore()
        try await body(memory, { memory })
    }

    @Test func savesAndReadsBackOnlyForTheOwner() async throws {
        try await eachStore { store, reopen in
            let saved = Self.response("resp_1")
            try await store.save(saved)
            #expect(try await reopen().response(id: "resp_1", owner: "key_a") == saved)
            #expect(try await store.response(id: "resp_1", owner: "key_b") == nil)
            #expect(try await store.response(id: "resp_2", owner: "key_a") == nil)
        }
    }

    @Test func deleteIsOwnerOnly() async throws {
        try await eachStore { store, _ in
            try await store.save(Self.response("resp_1"))
            #expect(try await store.deleteResponse(id: "resp_1", owner: "key_b") == false)
            #expect(try await store.deleteResponse(id: "resp_1", owner: "key_a"))
            #expect(try await store.response(id: "resp_1", owner: "key_a") == nil)
            #expect(try await store.deleteResponse(id: "resp_1", owner: "key_a") == false)
        }
    }

    @Test func chainFollowsPreviousIDsOldestFirst() async throws {
        try await eachStore { store, _ in
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

    @Test func pruningDeletesOnlyOlderResponses() async throws {
        try await eachStore { store, _ in
            for index in 0..<5 { try await store.save(Self.response("resp_\(index)", at: Double(index))) }
            #expect(try await store.deleteResponses(before: Date(timeIntervalSince1970: 1_800_000_002)) == 2)
            #expect(try await store.response(id: "resp_1", owner: "key_a") == nil)
            #expect(try await store.response(id: "resp_2", owner: "key_a") != nil)
        }
    }
}
