/// A response as the API returns it (OpenAI's `Response`): what the request asked for, echoed,
/// and what the model produced so far.
public struct ResponseObject: Sendable, Equatable {
    public enum Status: String, Sendable {
        case inProgress = "in_progress"
        case completed, incomplete, failed
    }

    public var id: String
    public var createdAt: Int
    public var completedAt: Int?
    public var status: Status
    public var model: String
    /// Output items (`message`, `function_call`) in their API shape.
    public var output: [JSONValue]
    /// Why the response is `incomplete` (`max_output_tokens`).
    public var incompleteReason: String?
    /// A `failed` response's `error`: its code and message.
    public var error: (code: String, message: String)?
    public var usage: ResponseUsage?
    /// The request's fields the response echoes.
    public var request: ResponseRequest
    /// `temperature` and `top_p` as applied (the server's defaults where the request had none).
    public var temperature: Double
    public var topP: Double

    public init(
        id: String, createdAt: Int, status: Status, model: String, request: ResponseRequest, temperature: Double, topP: Double
    ) {
        self.id = id
        self.createdAt = createdAt
        self.status = status
        self.model = model
        self.output = []
        self.request = request
        self.temperature = temperature
        self.topP = topP
    }

    public static func == (lhs: ResponseObject, rhs: ResponseObject) -> Bool {
        lhs.value == rhs.value
    }

    public var value: JSONValue {
        var metadata = JSONObject()
        for pair in request.metadata { metadata[pair.key] = .string(pair.value) }
        return [
            "id": .string(id),
            "object": "response",
            "created_at": .int(createdAt),
            "status": .string(status.rawValue),
            "background": false,
            "completed_at": completedAt.map(JSONValue.int) ?? .null,
            "error": error.map { ["code": .string($0.code), "message": .string($0.message)] } ?? .null,
            "incomplete_details": incompleteReason.map { ["reason": .string($0)] } ?? .null,
            "instructions": request.instructions.map(JSONValue.string) ?? .null,
            "max_output_tokens": request.options.maxTokens.map(JSONValue.int) ?? .null,
            "max_tool_calls": .null,
            "model": .string(model),
            "output": .array(output),
            "parallel_tool_calls": .bool(request.parallelToolCalls),
            "previous_response_id": request.previousResponseID.map(JSONValue.string) ?? .null,
            "reasoning": ["effort": .null, "summary": .null],
            "service_tier": "default",
            "store": .bool(request.store),
            "temperature": .double(temperature),
            "text": ["format": request.formatValue],
            "tool_choice": request.toolChoice.value,
            "tools": .array(request.tools.map(\.value)),
            "top_p": .double(topP),
            "truncation": request.truncationAuto ? "auto" : "disabled",
            "usage": usage?.value ?? .null,
            "user": request.options.user.map(JSONValue.string) ?? .null,
            "metadata": .object(metadata),
        ]
    }

    /// The text of every `output_text` part, joined (the SDK's `output_text`).
    public var outputText: String {
        output.compactMap { item -> String? in
            guard item["type"]?.stringValue == "message" else { return nil }
            return (item["content"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }.joined()
        }.joined()
    }
}

/// `usage` of a response (`ResponseUsage`).
public struct ResponseUsage: Sendable, Equatable {
    public var inputTokens: Int
    public var cachedTokens: Int
    public var outputTokens: Int

    public init(inputTokens: Int, cachedTokens: Int, outputTokens: Int) {
        self.inputTokens = inputTokens
        self.cachedTokens = cachedTokens
        self.outputTokens = outputTokens
    }

    public var value: JSONValue {
        [
            "input_tokens": .int(inputTokens),
            "input_tokens_details": ["cached_tokens": .int(cachedTokens), "cache_write_tokens": 0],
            "output_tokens": .int(outputTokens),
            "output_tokens_details": ["reasoning_tokens": 0],
            "total_tokens": .int(inputTokens + outputTokens),
        ]
    }
}
