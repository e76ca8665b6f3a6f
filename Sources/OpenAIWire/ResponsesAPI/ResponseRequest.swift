/// A validated `POST /v1/responses` body (OpenAI's `CreateResponse`).
public struct ResponseRequest: Sendable, Equatable {
    public var model: String
    /// The new items of this turn (`input` as a string is one user message).
    public var input: [ResponseItem]
    /// `instructions`: a system message for this turn only (a chained turn does not inherit it).
    public var instructions: String?
    /// `temperature`, `top_p`, `max_output_tokens`, `stream`, `user` and the vLLM-style sampling
    /// extensions (`seed`, `top_k`, `stop`...), in the shape the planner takes.
    public var options: GenerationOptions
    /// `tools`: function tools only.
    public var tools: [FunctionTool]
    /// `tool_choice`: `auto` when absent.
    public var toolChoice: ToolChoice
    public var parallelToolCalls: Bool
    /// `text.format`; `nil` is plain text.
    public var format: ResponseFormat?
    /// `text.format` as the response echoes it.
    public var formatValue: JSONValue
    /// `store`: keep the response for `GET` and `previous_response_id` (default true).
    public var store: Bool
    public var previousResponseID: String?
    /// `metadata`: up to 16 string pairs, echoed on the response.
    public var metadata: [(key: String, value: String)]
    /// `truncation: auto`: drop the oldest items to fit the window (else a context-length error).
    public var truncationAuto: Bool
    /// Fields the server does not act on and OpenAI lets it ignore, in request order.
    public var ignoredFields: [String]

    public static func == (lhs: ResponseRequest, rhs: ResponseRequest) -> Bool {
        lhs.model == rhs.model && lhs.input == rhs.input && lhs.instructions == rhs.instructions && lhs.options == rhs.options
            && lhs.tools == rhs.tools && lhs.toolChoice == rhs.toolChoice && lhs.parallelToolCalls == rhs.parallelToolCalls
            && lhs.format == rhs.format && lhs.store == rhs.store && lhs.previousResponseID == rhs.previousResponseID
            && lhs.metadata.elementsEqual(rhs.metadata, by: { $0 == $1 }) && lhs.truncationAuto == rhs.truncationAuto
            && lhs.ignoredFields == rhs.ignoredFields
    }

    /// A function the model may call (`FunctionTool`).
    public struct FunctionTool: Sendable, Equatable {
        public var name: String
        public var description: String?
        public var parameters: JSONValue?
        public var strict: Bool

        /// As a response echoes it.
        public var value: JSONValue {
            var object = JSONObject(["type": "function", "name": .string(name)])
            object["description"] = description.map(JSONValue.string) ?? .null
            object["parameters"] = parameters ?? .null
            object["strict"] = .bool(strict)
            return .object(object)
        }

        /// As chat completions and chat templates take it.
        public var chatValue: JSONValue {
            var function = JSONObject(["name": .string(name)])
            if let description { function["description"] = .string(description) }
            if let parameters { function["parameters"] = parameters }
            if strict { function["strict"] = true }
            return ["type": "function", "function": .object(function)]
        }
    }

    public enum ToolChoice: Sendable, Equatable {
        case auto, none, required
        case function(String)

        public var value: JSONValue {
            switch self {
            case .auto: "auto"
            case .none: "none"
            case .required: "required"
            case .function(let name): ["type": "function", "name": .string(name)]
            }
        }

        public var chatValue: JSONValue {
            switch self {
            case .function(let name): ["type": "function", "function": ["name": .string(name)]]
            default: value
            }
        }
    }

    /// Fields read here besides the sampling options.
    static let keys: Set<String> = GenerationOptions.keys.union([
        "model", "input", "instructions", "max_output_tokens", "tools", "tool_choice", "parallel_tool_calls", "text", "store",
        "previous_response_id", "metadata", "background", "reasoning", "truncation", "conversation", "prompt",
    ])

    /// Parses and validates a request body.
    ///
    /// - Parameter makeID: gives input items sent without an `id` their own (`msg_…`).
    public init(body: some Collection<UInt8>, makeID: (String) -> String) throws(OpenAIError) {
        try self.init(FieldReader.parseBody(body), makeID: makeID)
    }

    public init(_ object: JSONObject, makeID: (String) -> String) throws(OpenAIError) {
        let reader = FieldReader(object)
        let model = try reader.requiredString("model")
        self.model = model
        previousResponseID = try reader.string("previous_response_id")
        switch reader.value("input") {
        case .string(let text):
            input = [.message(id: makeID("msg"), role: .user, texts: [text])]
        case .array(let values):
            var items: [ResponseItem] = []
            for (index, value) in values.enumerated() {
                items.append(try ResponseItem(value, path: "input[\(index)]", makeID: makeID))
            }
            input = items
        case nil:
            input = []
        case .some(let other):
            throw reader.typeError("input", "a string or an array of input items", other)
        }
        if input.isEmpty, previousResponseID == nil {
            throw OpenAIError.invalidRequest(
                "Missing required parameter: 'input' (a string or a non-empty list of items, unless 'previous_response_id' is set).",
                param: "input", code: "missing_required_parameter")
        }
        instructions = try reader.string("instructions")
        options = try GenerationOptions(reading: reader, maxN: 1)
        options.maxTokens = try reader.int("max_output_tokens", in: 1...Int(Int32.max)) ?? options.maxTokens
        tools = []
        for (index, value) in (try reader.array("tools") ?? []).enumerated() {
            tools.append(try Self.functionTool(value, path: "tools[\(index)]"))
        }
        toolChoice = try Self.toolChoice(reader.value("tool_choice"), tools: tools)
        parallelToolCalls = try reader.bool("parallel_tool_calls") ?? true
        if let text = try reader.object("text"), let format = try FieldReader(text, path: "text").object("format") {
            self.format = try Self.format(format)
            formatValue = .object(format)
        } else {
            format = nil
            formatValue = ["type": "text"]
        }
        store = try reader.bool("store") ?? true
        metadata = []
        if let values = try reader.object("metadata") {
            guard values.count <= 16 else {
                throw OpenAIError.invalidValue("'metadata' may hold at most 16 pairs.", param: "metadata")
            }
            for entry in values {
                guard let text = entry.value.stringValue else {
                    throw reader.typeError("metadata.\(entry.key)", "a string", entry.value)
                }
                guard entry.key.count <= 64, text.count <= 512 else {
                    throw OpenAIError.invalidValue(
                        "'metadata' keys may have at most 64 characters and values at most 512.", param: "metadata.\(entry.key)")
                }
                metadata.append((entry.key, text))
            }
        }
        if try reader.bool("background") == true {
            throw Self.unsupported("background", "Background responses are not supported by this server; send 'background': false or leave it out.")
        }
        if let reasoning = try reader.object("reasoning"), reasoning.contains(where: { !$0.value.isNull }) {
            throw Self.unsupported("reasoning", "The model '\(model)' does not support 'reasoning' options.")
        }
        if reader.value("conversation") != nil {
            throw Self.unsupported("conversation", "The Conversations API is not supported by this server; chain responses with 'previous_response_id'.")
        }
        if reader.value("prompt") != nil {
            throw Self.unsupported("prompt", "Stored prompt templates are not supported by this server; send 'input' and 'instructions'.")
        }
        switch try reader.string("truncation") {
        case nil, "disabled": truncationAuto = false
        case "auto": truncationAuto = true
        case let other?:
            throw OpenAIError.invalidValue(
                "Invalid value for 'truncation': '\(other)'. Supported values are: 'auto' and 'disabled'.", param: "truncation")
        }
        var ignored = object.keys.filter { !Self.keys.contains($0) }
        if let text = try reader.object("text") {
            ignored += text.keys.filter { $0 != "format" }.map { "text.\($0)" }
        }
        ignoredFields = ignored
    }

    static func unsupported(_ param: String, _ message: String) -> OpenAIError {
        OpenAIError.invalidRequest(message, param: param, code: "unsupported_parameter")
    }

    static func functionTool(_ value: JSONValue, path: String) throws(OpenAIError) -> FunctionTool {
        guard let object = value.objectValue else {
            throw OpenAIError.invalidRequest("Invalid type for '\(path)': expected an object.", param: path, code: "invalid_type")
        }
        let reader = FieldReader(object, path: path)
        let type = try reader.requiredString("type")
        guard type == "function" else {
            throw OpenAIError.invalidRequest(
                "Tools of type '\(type)' are not supported by this server: only 'function' tools are.", param: "\(path).type",
                code: "unsupported_parameter")
        }
        let name = try reader.requiredString("name")
        guard !name.isEmpty, name.count <= 64, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) else {
            throw OpenAIError.invalidValue(
                "Invalid '\(path).name': a function name must be 1 to 64 characters a-z, A-Z, 0-9, underscores and dashes.",
                param: "\(path).name")
        }
        let parameters = try reader.object("parameters").map(JSONValue.object)
        return FunctionTool(name: name, description: try reader.string("description"), parameters: parameters, strict: try reader.bool("strict") ?? true)
    }

    static func toolChoice(_ value: JSONValue?, tools: [FunctionTool]) throws(OpenAIError) -> ToolChoice {
        switch value {
        case nil, .some(.string("auto")): return .auto
        case .some(.string("none")): return .none
        case .some(.string("required")): return .required
        case .some(.object(let object)):
            let reader = FieldReader(object, path: "tool_choice")
            let type = try reader.requiredString("type")
            guard type == "function" else {
                throw OpenAIError.invalidRequest(
                    "'tool_choice' of type '\(type)' is not supported by this server: only function tools are.",
                    param: "tool_choice.type", code: "unsupported_parameter")
            }
            let name = try reader.requiredString("name")
            guard tools.contains(where: { $0.name == name }) else {
                throw OpenAIError.invalidValue("'tool_choice' names the function '\(name)', which is not in 'tools'.", param: "tool_choice.name")
            }
            return .function(name)
        case .some(let other):
            throw OpenAIError.invalidRequest(
                "Invalid type for 'tool_choice': expected 'none', 'auto', 'required' or {\"type\": \"function\", \"name\": ...}, but got \(other.typeName).",
                param: "tool_choice", code: "invalid_type")
        }
    }

    /// `text.format` (flat: `{type: json_schema, name, schema, strict}`).
    static func format(_ object: JSONObject) throws(OpenAIError) -> ResponseFormat? {
        let reader = FieldReader(object, path: "text.format")
        switch try reader.requiredString("type") {
        case "text": return nil
        case "json_object": return .jsonObject
        case "json_schema":
            let name = try reader.requiredString("name")
            guard let schema = try reader.object("schema") else {
                throw OpenAIError.invalidRequest(
                    "Missing required parameter: 'text.format.schema'.", param: "text.format.schema", code: "missing_required_parameter")
            }
            return .jsonSchema(name: name, schema: .object(schema), strict: try reader.bool("strict") ?? false)
        case let other:
            throw OpenAIError.invalidValue(
                "Invalid value for 'text.format.type': '\(other)'. Supported values are: 'text', 'json_object' and 'json_schema'.",
                param: "text.format.type")
        }
    }
}
