import Foundation
import OpenAIWire

/// One prompt of a golden set: the request to replay and what a good answer satisfies.
///
/// JSONL, one object per line (blank lines and lines starting with `//` are skipped):
/// `{"id", "messages", "tools"?, "tool_choice"?, "response_format"?, "params"?: {pinned sampling},
///   "expect"?: {"contains": [..], "not_contains": [..], "regex", "json_schema", "tool_name"}}`.
/// Sampling keys (`temperature`, `top_p`, `max_tokens`, `seed`, `stop`, …) may also sit at top level.
public struct GoldenCase: Sendable, Hashable {
    public var id: String
    public var messages: JSONValue
    public var tools: JSONValue?
    public var toolChoice: JSONValue?
    public var responseFormat: JSONValue?
    /// Pinned request parameters, sent as given.
    public var parameters: JSONObject
    public var expectation: GoldenExpectation

    static let samplingKeys: Set<String> = [
        "temperature", "top_p", "max_tokens", "max_completion_tokens", "seed", "stop",
        "presence_penalty", "frequency_penalty", "n", "logprobs", "top_logprobs", "parallel_tool_calls",
    ]

    /// The request body (streaming with usage, so that latency and tokens are both measured).
    public func requestBody() -> JSONValue {
        var body = JSONObject(["messages": messages])
        if let tools { body["tools"] = tools }
        if let toolChoice { body["tool_choice"] = toolChoice }
        if let responseFormat { body["response_format"] = responseFormat }
        for entry in parameters.entries { body[entry.key] = entry.value }
        body["stream"] = true
        body["stream_options"] = ["include_usage": true]
        return .object(body)
    }

    /// The last user message's text, for report rows.
    public var promptText: String {
        let last = messages.arrayValue?.last { $0["role"]?.stringValue == "user" }
        if let text = last?["content"]?.stringValue { return text }
        return last?["content"]?.arrayValue?.compactMap { $0["text"]?.stringValue }.joined(separator: " ") ?? ""
    }

    /// The schema the output must satisfy: the expectation's, else a `json_schema` response format's.
    public var outputSchema: JSONValue? {
        expectation.jsonSchema ?? responseFormat?["json_schema"]?["schema"]
    }

    /// Parses a golden set; errors name the line.
    public static func parseSet(_ text: String) throws(CutoverError) -> [GoldenCase] {
        var cases: [GoldenCase] = []
        var seen: Set<String> = []
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("//") { continue }
            let number = offset + 1
            let json: JSONValue
            do {
                json = try JSONValue.parse(line)
            } catch {
                throw CutoverError(.invalidInput, "golden line \(number): not JSON (\(error))")
            }
            let item = try parse(json, line: number)
            guard seen.insert(item.id).inserted else {
                throw CutoverError(.invalidInput, "golden line \(number): duplicate id '\(item.id)'")
            }
            cases.append(item)
        }
        guard !cases.isEmpty else { throw CutoverError(.invalidInput, "the golden set has no cases") }
        return cases
    }

    static func parse(_ json: JSONValue, line: Int) throws(CutoverError) -> GoldenCase {
        guard let object = json.objectValue else { throw CutoverError(.invalidInput, "golden line \(line): not an object") }
        guard let messages = object["messages"], let list = messages.arrayValue, !list.isEmpty else {
            throw CutoverError(.invalidInput, "golden line \(line): \"messages\" must be a non-empty array")
        }
        var parameters = object["params"]?.objectValue ?? JSONObject()
        for entry in object.entries {
            switch entry.key {
            case "id", "messages", "tools", "tool_choice", "response_format", "params", "expect", "tags": break
            case let key where samplingKeys.contains(key): parameters[key] = entry.value
            default: throw CutoverError(.invalidInput, "golden line \(line): unknown key '\(entry.key)'")
            }
        }
        let expectation = try GoldenExpectation(object["expect"], line: line)
        return GoldenCase(
            id: object["id"]?.stringValue ?? "line-\(line)", messages: messages, tools: object["tools"],
            toolChoice: object["tool_choice"], responseFormat: object["response_format"],
            parameters: parameters, expectation: expectation)
    }
}

/// What a golden case's output must satisfy; every part is optional.
public struct GoldenExpectation: Sendable, Hashable {
    public var contains: [String] = []
    public var notContains: [String] = []
    public var regex: String?
    public var jsonSchema: JSONValue?
    public var toolName: String?

    public init() {}

    init(_ json: JSONValue?, line: Int) throws(CutoverError) {
        guard let json else { return }
        guard let object = json.objectValue else { throw CutoverError(.invalidInput, "golden line \(line): \"expect\" must be an object") }
        func strings(_ value: JSONValue?) -> [String] {
            if let single = value?.stringValue { return [single] }
            return value?.arrayValue?.compactMap(\.stringValue) ?? []
        }
        for entry in object.entries {
            switch entry.key {
            case "contains": contains = strings(entry.value)
            case "not_contains": notContains = strings(entry.value)
            case "regex":
                regex = entry.value.stringValue
                if let regex, (try? NSRegularExpression(pattern: regex)) == nil {
                    throw CutoverError(.invalidInput, "golden line \(line): invalid regex /\(regex)/")
                }
            case "json_schema": jsonSchema = entry.value
            case "tool_name": toolName = entry.value.stringValue
            default: throw CutoverError(.invalidInput, "golden line \(line): unknown expectation '\(entry.key)'")
            }
        }
    }

    public var isEmpty: Bool {
        contains.isEmpty && notContains.isEmpty && regex == nil && jsonSchema == nil && toolName == nil
    }
}
