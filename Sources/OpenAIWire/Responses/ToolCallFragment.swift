/// A tool call or a streamed piece of one: the first piece carries `id` and `name`, later
/// pieces only more `arguments` text.
public struct ToolCallFragment: Sendable, Equatable {
    public var index: Int
    public var id: String?
    public var name: String?
    public var arguments: String

    public init(index: Int, id: String? = nil, name: String? = nil, arguments: String) {
        self.index = index
        self.id = id
        self.name = name
        self.arguments = arguments
    }

    /// A whole call in a message: `{"id","type":"function","function":{"name","arguments"}}`.
    public var messageValue: JSONValue {
        [
            "id": .string(id ?? ""), "type": "function",
            "function": ["name": .string(name ?? ""), "arguments": .string(arguments)],
        ]
    }

    /// A stream delta entry: the first piece with `index, id, type, function.name, function.arguments`,
    /// later ones with `index` and `function.arguments` only.
    public var deltaValue: JSONValue {
        var object = JSONObject(["index": .int(index)])
        var function = JSONObject()
        if let id {
            object["id"] = .string(id)
            object["type"] = "function"
        }
        if let name { function["name"] = .string(name) }
        function["arguments"] = .string(arguments)
        object["function"] = .object(function)
        return .object(object)
    }
}
