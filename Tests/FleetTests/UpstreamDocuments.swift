import OpenAIWire

/// Documents shaped as OpenAI-compatible upstreams send them.
enum UpstreamDocuments {
    static let model = "upstream-model"

    static func completion(model: String = UpstreamDocuments.model, content: String = "Hello there") -> JSONValue {
        [
            "id": "chatcmpl-1", "object": "chat.completion", "created": 1_700_000_000, "model": .string(model),
            "choices": [["index": 0, "message": ["role": "assistant", "content": .string(content)], "finish_reason": "stop"]],
            "usage": ["prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12],
        ]
    }

    /// A content chunk; `usageNull` adds `"usage": null`, as servers do when usage was asked for.
    static func chunk(_ index: Int, model: String = UpstreamDocuments.model, usageNull: Bool = false) -> JSONValue {
        var object = JSONObject([
            "id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1_700_000_000, "model": .string(model),
            "choices": [["index": 0, "delta": ["content": .string("t\(index)")], "finish_reason": nil]],
        ])
        if usageNull { object["usage"] = .null }
        return .object(object)
    }

    static func usageChunk(prompt: Int = 5, completion: Int = 3) -> JSONValue {
        [
            "id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1_700_000_000, "model": .string(model),
            "choices": [], "usage": ["prompt_tokens": .int(prompt), "completion_tokens": .int(completion), "total_tokens": .int(prompt + completion)],
        ]
    }

    static func error(message: String, type: String, param: String?, code: String?) -> JSONValue {
        ["error": ["message": .string(message), "type": .string(type), "param": param.map(JSONValue.string) ?? .null, "code": code.map(JSONValue.string) ?? .null]]
    }
}
