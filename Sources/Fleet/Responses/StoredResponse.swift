public import Foundation
public import OpenAIWire

/// A response kept for `GET /v1/responses/{id}` and for continuing with `previous_response_id`.
public struct StoredResponse: Sendable, Equatable {
    public var id: String
    /// Who created it (the API key's id, or the server key's slot): only they may read it.
    public var owner: String
    public var model: String
    public var created: Date
    public var previousResponseID: String?
    /// The turn's input items, each with its id, in their API shape (`ItemResource`).
    public var inputItems: [JSONValue]
    /// The response object as returned.
    public var body: JSONValue

    public init(
        id: String, owner: String, model: String, created: Date, previousResponseID: String?, inputItems: [JSONValue], body: JSONValue
    ) {
        self.id = id
        self.owner = owner
        self.model = model
        self.created = created
        self.previousResponseID = previousResponseID
        self.inputItems = inputItems
        self.body = body
    }
}
