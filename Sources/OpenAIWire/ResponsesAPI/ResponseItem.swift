/// One item of a Responses API conversation, normalized from whichever shape the client sent
/// (`EasyInputMessage`, `InputMessage`, `OutputMessage`, `FunctionToolCall`,
/// `FunctionToolCallOutput`). Input and output items alike, so a stored chain is one list.
public enum ResponseItem: Sendable, Equatable {
    public enum Role: String, Sendable, CaseIterable {
        case user, assistant, system, developer
    }

    /// A message: its text parts, in order.
    case message(id: String, role: Role, texts: [String])
    /// The model calling a function: `callID` pairs it with its output.
    case functionCall(id: String, callID: String, name: String, arguments: String)
    /// The client's result of a function call.
    case functionCallOutput(id: String, callID: String, output: String)

    public var id: String {
        switch self {
        case .message(let id, _, _), .functionCall(let id, _, _, _), .functionCallOutput(let id, _, _): id
        }
    }

    /// Parses one element of `input` (or of a stored item list).
    ///
    /// - Parameters:
    ///   - path: where it sits in the request (`input[2]`), for error messages.
    ///   - makeID: gives an item the client sent without an `id` its own (`msg_…`, `fco_…`).
    public init(_ value: JSONValue, path: String, makeID: (String) -> String) throws(OpenAIError) {
        guard let object = value.objectValue else {
            throw OpenAIError.invalidRequest("Invalid type for '\(path)': expected an object.", param: path, code: "invalid_type")
        }
        let reader = FieldReader(object, path: path)
        let type = try reader.string("type") ?? "message"
        let id = try reader.string("id")
        switch type {
        case "message":
            let roleName = try reader.requiredString("role")
            guard let role = Role(rawValue: roleName) else {
                throw OpenAIError.invalidValue(
                    "Invalid value for '\(path).role': '\(roleName)'. Supported values are: 'user', 'assistant', 'system' and 'developer'.",
                    param: "\(path).role")
            }
            self = .message(id: id ?? makeID("msg"), role: role, texts: try Self.texts(of: reader, path: path))
        case "function_call":
            self = .functionCall(
                id: id ?? makeID("fc"), callID: try reader.requiredString("call_id"), name: try reader.requiredString("name"),
                arguments: try reader.requiredString("arguments"))
        case "function_call_output":
            let output: String
            switch reader.value("output") {
            case .string(let text): output = text
            case .array: output = try Self.texts(of: reader, path: path, key: "output").joined()
            case nil:
                throw OpenAIError.invalidRequest(
                    "Missing required parameter: '\(path).output'.", param: "\(path).output", code: "missing_required_parameter")
            case .some(let other): throw reader.typeError("output", "a string or an array of content parts", other)
            }
            self = .functionCallOutput(id: id ?? makeID("fco"), callID: try reader.requiredString("call_id"), output: output)
        default:
            throw OpenAIError.invalidRequest(
                "Input items of type '\(type)' are not supported by this server; send 'message', 'function_call' or 'function_call_output' items.",
                param: "\(path).type", code: "unsupported_parameter")
        }
    }

    /// The text of `content` (a string, or `input_text` / `output_text` parts).
    private static func texts(of reader: FieldReader, path: String, key: String = "content") throws(OpenAIError) -> [String] {
        switch reader.value(key) {
        case .string(let text):
            return [text]
        case .array(let parts):
            var texts: [String] = []
            for (index, part) in parts.enumerated() {
                let partPath = "\(path).\(key)[\(index)]"
                guard let partObject = part.objectValue else {
                    throw OpenAIError.invalidRequest("Invalid type for '\(partPath)': expected an object.", param: partPath, code: "invalid_type")
                }
                let partReader = FieldReader(partObject, path: partPath)
                let type = try partReader.requiredString("type")
                switch type {
                case "input_text", "output_text", "text": texts.append(try partReader.requiredString("text"))
                case "refusal": texts.append(try partReader.requiredString("refusal"))
                default:
                    throw OpenAIError.invalidRequest(
                        "Content parts of type '\(type)' are not supported: the models on this server accept text only.",
                        param: partPath, code: "unsupported_content")
                }
            }
            return texts
        case nil:
            throw OpenAIError.invalidRequest(
                "Missing required parameter: '\(path).\(key)'.", param: "\(path).\(key)", code: "missing_required_parameter")
        case .some(let other):
            throw reader.typeError(key, "a string or an array of content parts", other)
        }
    }

    /// The item as the API returns it (`ItemResource`): input messages with `input_text` parts,
    /// assistant messages as `OutputMessage` with `output_text` parts.
    public var resourceValue: JSONValue {
        switch self {
        case .message(let id, let role, let texts):
            if role == .assistant {
                return [
                    "id": .string(id), "type": "message", "status": "completed", "role": "assistant",
                    "content": .array(texts.map(ResponseItem.outputText)),
                ]
            }
            return [
                "id": .string(id), "type": "message", "status": "completed", "role": .string(role.rawValue),
                "content": .array(texts.map { ["type": "input_text", "text": .string($0)] }),
            ]
        case .functionCall(let id, let callID, let name, let arguments):
            return [
                "id": .string(id), "type": "function_call", "status": "completed", "call_id": .string(callID),
                "name": .string(name), "arguments": .string(arguments),
            ]
        case .functionCallOutput(let id, let callID, let output):
            return [
                "id": .string(id), "type": "function_call_output", "status": "completed", "call_id": .string(callID),
                "output": .string(output),
            ]
        }
    }

    /// An `output_text` content part.
    public static func outputText(_ text: String) -> JSONValue {
        ["type": "output_text", "text": .string(text), "annotations": [], "logprobs": []]
    }
}
