/// One chat message, normalized: content as a list of parts whatever shape the client sent.
public struct ChatMessage: Sendable, Equatable {
    public enum Role: String, Sendable, CaseIterable {
        case system, developer, user, assistant, tool
    }

    /// One part of a message's content, with the request path of the part for error messages.
    public enum ContentPart: Sendable, Equatable {
        case text(String)
        /// A part the client sent that is not text (`image_url`, `input_audio`, `file`...):
        /// its type and where it sits in the request (`messages[0].content[1]`).
        case media(type: String, param: String)
    }

    public var role: Role
    public var content: [ContentPart]
    public var name: String?
    /// An assistant message's `tool_calls`, as sent.
    public var toolCalls: JSONValue?
    /// A tool message's `tool_call_id`.
    public var toolCallID: String?

    /// The text parts joined, as templates expect a string.
    public var text: String {
        content.compactMap { if case .text(let text) = $0 { text } else { nil } }.joined()
    }

    public init(role: Role, content: [ContentPart], name: String? = nil, toolCalls: JSONValue? = nil, toolCallID: String? = nil) {
        self.role = role
        self.content = content
        self.name = name
        self.toolCalls = toolCalls
        self.toolCallID = toolCallID
    }

    init(_ value: JSONValue, path: String) throws(OpenAIError) {
        guard let object = value.objectValue else {
            throw OpenAIError.invalidRequest("Invalid type for '\(path)': expected an object.", param: path, code: "invalid_type")
        }
        let reader = FieldReader(object, path: path)
        let roleName = try reader.requiredString("role")
        guard let role = Role(rawValue: roleName) else {
            throw OpenAIError.invalidValue(
                "Invalid value for '\(path).role': '\(roleName)'. Supported values are: 'system', 'developer', 'user', 'assistant' and 'tool'.",
                param: "\(path).role")
        }
        self.role = role
        self.name = try reader.string("name")
        self.toolCalls = reader.value("tool_calls")
        self.toolCallID = try reader.string("tool_call_id")
        switch reader.value("content") {
        case nil:
            // Only an assistant message that calls tools may leave content out.
            guard role == .assistant, toolCalls != nil else {
                throw OpenAIError.invalidRequest(
                    "Missing required parameter: '\(path).content'.", param: "\(path).content", code: "missing_required_parameter")
            }
            content = []
        case .string(let text):
            content = [.text(text)]
        case .array(let parts):
            content = []
            for (index, part) in parts.enumerated() {
                let partPath = "\(path).content[\(index)]"
                guard let partObject = part.objectValue else {
                    throw OpenAIError.invalidRequest(
                        "Invalid type for '\(partPath)': expected an object.", param: partPath, code: "invalid_type")
                }
                let partReader = FieldReader(partObject, path: partPath)
                let type = try partReader.requiredString("type")
                if type == "text" {
                    content.append(.text(try partReader.requiredString("text")))
                } else {
                    content.append(.media(type: type, param: partPath))
                }
            }
        case .some(let other):
            throw reader.typeError("content", "a string or an array of content parts", other)
        }
    }

    /// The message in OpenAI's JSON shape with text content, as chat templates take it.
    /// `developer` (OpenAI's newer name for system instructions) becomes `system`, which
    /// every open model's template knows.
    public var templateValue: JSONValue {
        var object = JSONObject()
        object["role"] = .string(role == .developer ? Role.system.rawValue : role.rawValue)
        object["content"] = content.isEmpty && toolCalls != nil ? .null : .string(text)
        if let name { object["name"] = .string(name) }
        if let toolCalls { object["tool_calls"] = toolCalls }
        if let toolCallID { object["tool_call_id"] = .string(toolCallID) }
        return .object(object)
    }
}
