import Foundation
import GRDB
import OpenAIWire

/// The SQLite engine's stored responses (table `stored_response`), with the ledger's durability:
/// a save is its own committed transaction.
extension FleetDatabase {
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
        let fields = try await read("read a response from") { db -> StoredResponseRow? in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM stored_response WHERE id = ? AND owner = ?", arguments: [id, owner])
            else { return nil }
            return StoredResponseRow(
                id: row["id"], owner: row["owner"], model: row["model"], createdMilliseconds: row["created_ms"],
                previousResponseID: row["previous_response_id"], inputItems: row["input_items"], body: row["body"])
        }
        return try fields?.response(in: path)
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
}

/// A `stored_response` row's columns as both engines read them, before the JSON is parsed.
struct StoredResponseRow: Sendable {
    var id: String
    var owner: String
    var model: String
    var createdMilliseconds: Int64
    var previousResponseID: String?
    var inputItems: String
    var body: String

    /// The response, or a clear error naming `location` when its JSON no longer parses.
    func response(in location: String) throws(AccountsError) -> StoredResponse {
        guard let items = (try? JSONValue.parse(inputItems))?.arrayValue, let parsed = try? JSONValue.parse(body) else {
            throw AccountsError(.database, "the stored response \(id) in \(location) is damaged")
        }
        return StoredResponse(
            id: id, owner: owner, model: model, created: Date(millisecondsSince1970: createdMilliseconds),
            previousResponseID: previousResponseID, inputItems: items, body: parsed)
    }
}
