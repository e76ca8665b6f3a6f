import ConstrainedDecoding
import OpenAIWire

/// How tools reach a model whose chat template has no tool syntax (SmolLM2's, for one):
/// a system-prompt section lists the functions and the Hermes call format, assistant
/// `tool_calls` are written back in that format, and tool results are wrapped in
/// `<tool_response>` tags. The grammar then holds the model to the same format.
enum ToolPrompt {
    static let format = ToolCallFormat.hermes

    /// `messages` with the tool description added to (or as) the first system message, and
    /// tool calls and results rendered as text.
    static func inline(tools: [JSONValue], into messages: [JSONValue]) -> [JSONValue] {
        var result = messages.map(renderToolTurns)
        guard !tools.isEmpty else { return result }
        let section = describe(tools)
        if case .object(var first) = result.first,
           let role = first["role"]?.stringValue, role == "system" || role == "developer" {
            let existing = first["content"].map(plainText) ?? ""
            first["content"] = .string(existing.isEmpty ? section : existing + "\n\n" + section)
            result[0] = .object(first)
        } else {
            result.insert(["role": "system", "content": .string(section)], at: 0)
        }
        return result
    }

    /// The system-prompt section: one JSON line per function, then the call syntax.
    static func describe(_ tools: [JSONValue]) -> String {
        let lines = tools.map { tool -> String in
            let function = tool["function"] ?? tool
            var entry = JSONObject()
            entry["name"] = function["name"]
            if let description = function["description"] { entry["description"] = description }
            entry["parameters"] = function["parameters"] ?? ["type": "object"]
            return JSONValue.object(entry).jsonString
        }
        return """
            You can call these functions (JSON schemas of their arguments):
            \(lines.joined(separator: "\n"))
            To call a function, reply with:
            \(format.callPrefix)\(format.callJSON(name: "<function name>", arguments: "<arguments as a JSON object>"))\(format.callSuffix)
            """
    }

    private static func renderToolTurns(_ message: JSONValue) -> JSONValue {
        guard case .object(var object) = message, let role = object["role"]?.stringValue else { return message }
        if role == "assistant", case .array(let calls) = object["tool_calls"], !calls.isEmpty {
            let text = calls.map { call -> String in
                let function = call["function"] ?? call
                let name = function["name"]?.stringValue ?? ""
                let arguments = function["arguments"]?.stringValue ?? function["arguments"]?.jsonString ?? "{}"
                return format.callPrefix + format.callJSON(name: name, arguments: arguments) + format.callSuffix
            }.joined(separator: format.separator)
            let content = object["content"].map(plainText) ?? ""
            object["content"] = .string(content.isEmpty ? text : content + "\n" + text)
            object["tool_calls"] = nil
        } else if role == "tool" {
            let content = object["content"].map(plainText) ?? ""
            object["content"] = .string("<tool_response>\n\(content)\n</tool_response>")
        }
        return .object(object)
    }

    /// Message content as text: a string, or the text of its parts.
    static func plainText(_ content: JSONValue) -> String {
        switch content {
        case .string(let text): text
        case .array(let parts): parts.compactMap { $0["text"]?.stringValue }.joined()
        case .null: ""
        default: content.jsonString
        }
    }
}
