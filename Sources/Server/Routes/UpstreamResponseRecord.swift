import Fleet
import Foundation
import OpenAIWire

/// Which key created a response that an upstream stores itself (a model with `responses:
/// native`): kept in the response store under the upstream's id, so `GET`/`DELETE` and
/// `input_items` reach the upstream only for the key that created it (404 for any other, as for
/// local responses), a `previous_response_id` is checked the same way, and retention prunes it.
/// The record holds no content: the upstream keeps that.
enum UpstreamResponseRecord {
    static let object = "switchyard.upstream_response"

    static func make(id: String, owner: String, model: String, previousResponseID: String?) -> StoredResponse {
        StoredResponse(
            id: id, owner: owner, model: model, created: Date(), previousResponseID: previousResponseID, inputItems: [],
            body: ["object": .string(object), "id": .string(id), "model": .string(model)])
    }

    static func isRecord(_ response: StoredResponse) -> Bool {
        response.body["object"]?.stringValue == object
    }

    /// The response id in a native upstream's reply: the object's `id`, or in a stream the
    /// `response.id` of its first event.
    static func responseID(in value: JSONValue) -> String? {
        if value["object"]?.stringValue == "response" { return value["id"]?.stringValue }
        if value["type"]?.stringValue == "response.created" { return value["response"]?["id"]?.stringValue }
        return nil
    }
}
