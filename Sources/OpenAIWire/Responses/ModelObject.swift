/// A `model` object of `/v1/models`, with Switchyard's extra fields.
public struct ModelObject: Sendable, Equatable {
    public var id: String
    public var created: Int
    public var ownedBy: String
    /// Extra fields (context window, sampling defaults...) appended after OpenAI's own.
    public var extra: JSONObject

    public init(id: String, created: Int, ownedBy: String, extra: JSONObject = JSONObject()) {
        self.id = id
        self.created = created
        self.ownedBy = ownedBy
        self.extra = extra
    }

    public var value: JSONValue {
        var object = JSONObject(["id": .string(id), "object": "model", "created": .int(created), "owned_by": .string(ownedBy)])
        for entry in extra { object[entry.key] = entry.value }
        return .object(object)
    }

    /// `{"object": "list", "data": [...]}`.
    public static func list(_ models: [ModelObject]) -> JSONValue {
        ["object": "list", "data": .array(models.map(\.value))]
    }
}
