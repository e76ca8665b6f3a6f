public import Foundation
import GRDB
import OpenAIWire

/// Stored responses in the fleet database (table `stored_response`), with the ledger's
/// durability: a save is its own committed transaction (see `FleetDatabase`). GRDB's async
/// access runs the SQLite calls on its own queues, never on an event loop.
public final class SQLiteResponseStore: ResponseStore {
    public let database: FleetDatabase

    public init(database: FleetDatabase) {
        self.database = database
    }

    public func save(_ response: StoredResponse) async throws(AccountsError) {
        let items = JSONValue.array(response.inputItems).jsonString
        let body = response.body.jsonString
        try await write("store a response in") { db in
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO stored_response (id, owner, model, created_ms, previous_response_id, input_items, body)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    response.id, response.owner, response.model, response.created.millisecondsSince1970,
                    response.previousResponseID, items, body,
                ])
        }
    }

    public func response(id: String, owner: String) async throws(AccountsError) -> StoredResponse? {
        let fields = try await read("read a response from") { db -> StoredRow? in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM stored_response WHERE id = ? AND owner = ?", arguments: [id, owner])
            else { return nil }
            return StoredRow(
                id: row["id"], owner: row["owner"], model: row["model"], createdMilliseconds: row["created_ms"],
                previousResponseID: row["previous_response_id"], inputItems: row["input_items"], body: row["body"])
        }
        guard let fields else { return nil }
        guard let items = (try? JSONValue.parse(fields.inputItems))?.arrayValue, let body = try? JSONValue.parse(fields.body) else {
            throw AccountsError(.database, "the stored response \(id) in \(database.path) is damaged")
        }
        return StoredResponse(
            id: fields.id, owner: fields.owner, model: fields.model, created: Date(millisecondsSince1970: fields.createdMilliseconds),
            previousResponseID: fields.previousResponseID, inputItems: items, body: body)
    }

    /// A row's columns, read inside the database's queue.
    private struct StoredRow: Sendable {
        var id: String
        var owner: String
        var model: String
        var createdMilliseconds: Int64
        var previousResponseID: String?
        var inputItems: String
        var body: String
    }

    public func deleteResponse(id: String, owner: String) async throws(AccountsError) -> Bool {
        try await write("delete a response from") { db in
            try db.execute(sql: "DELETE FROM stored_response WHERE id = ? AND owner = ?", arguments: [id, owner])
            return db.changesCount > 0
        }
    }

    /// Deletes in batches, each its own transaction, as the ledger's pruning does.
    public func deleteResponses(before cutoff: Date) async throws(AccountsError) -> Int {
        var total = 0
        let batch = 1000
        while true {
            let deleted = try await write("prune responses in") { db in
                try db.execute(
                    sql: "DELETE FROM stored_response WHERE id IN (SELECT id FROM stored_response WHERE created_ms < ? LIMIT ?)",
                    arguments: [cutoff.millisecondsSince1970, batch])
                return db.changesCount
            }
            total += deleted
            if deleted < batch { return total }
        }
    }

    private func read<T: Sendable>(_ what: String, _ body: @escaping @Sendable (Database) throws -> T) async throws(AccountsError) -> T {
        do {
            return try await database.pool.read(body)
        } catch {
            throw database.mapped(error, what)
        }
    }

    private func write<T: Sendable>(_ what: String, _ body: @escaping @Sendable (Database) throws -> T) async throws(AccountsError) -> T {
        guard !database.isReadOnly else {
            throw AccountsError(.database, "cannot \(what) \(database.path): the database is open read-only")
        }
        do {
            return try await database.pool.write(body)
        } catch {
            throw database.mapped(error, what)
        }
    }
}
