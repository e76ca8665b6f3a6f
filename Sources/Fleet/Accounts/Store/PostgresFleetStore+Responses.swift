import Foundation
import OpenAIWire
import PostgresNIO

/// The PostgreSQL engine's stored responses: every replica reads the turns any of them stored, so
/// `previous_response_id` continues on whichever replica the load balancer picks. A save is one
/// committed statement, as a ledger row is.
extension PostgresFleetStore {
    public func save(_ response: StoredResponse) async throws(AccountsError) {
        let items = JSONValue.array(response.inputItems).jsonString
        let body = response.body.jsonString
        try await rows(
            "store a response in",
            """
            INSERT INTO stored_response (id, owner, model, created_ms, previous_response_id, input_items, body)
            VALUES (\(response.id), \(response.owner), \(response.model), \(response.created.millisecondsSince1970),
                \(response.previousResponseID), \(items), \(body))
            ON CONFLICT (id) DO UPDATE SET owner = EXCLUDED.owner, model = EXCLUDED.model, created_ms = EXCLUDED.created_ms,
                previous_response_id = EXCLUDED.previous_response_id, input_items = EXCLUDED.input_items, body = EXCLUDED.body
            """)
    }

    public func response(id: String, owner: String) async throws(AccountsError) -> StoredResponse? {
        let found = try await rows(
            "read a response from",
            """
            SELECT id, owner, model, created_ms, previous_response_id, input_items, body FROM stored_response
            WHERE id = \(id) AND owner = \(owner)
            """)
        guard let row = found.first else { return nil }
        let fields: StoredResponseRow
        do {
            let cells = row.makeRandomAccess()
            fields = StoredResponseRow(
                id: try cells["id"].decode(String.self), owner: try cells["owner"].decode(String.self),
                model: try cells["model"].decode(String.self), createdMilliseconds: try cells["created_ms"].decode(Int64.self),
                previousResponseID: try cells["previous_response_id"].decode(String?.self),
                inputItems: try cells["input_items"].decode(String.self), body: try cells["body"].decode(String.self))
        } catch {
            throw mapped(error, "read a response from")
        }
        return try fields.response(in: location)
    }

    public func deleteResponse(id: String, owner: String) async throws(AccountsError) -> Bool {
        let deleted = try await rows(
            "delete a response from", "DELETE FROM stored_response WHERE id = \(id) AND owner = \(owner) RETURNING id")
        return !deleted.isEmpty
    }

    /// Deletes in batches of 1000, each its own statement, as the ledger's pruning does.
    public func deleteResponses(before cutoff: Date) async throws(AccountsError) -> Int {
        var total = 0
        let batch = 1000
        while true {
            let deleted = try await rows(
                "prune responses in",
                """
                DELETE FROM stored_response WHERE id IN (
                    SELECT id FROM stored_response WHERE created_ms < \(cutoff.millisecondsSince1970) LIMIT \(batch))
                RETURNING id
                """
            ).count
            total += deleted
            if deleted < batch { return total }
        }
    }
}
