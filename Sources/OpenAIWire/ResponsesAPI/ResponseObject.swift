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
        var object = JSONObject()
        object["id"] = .string(id)
        object["object"] = "response"
        object["created_at"] = .int(createdAt)
        object["status"] = .string(status.rawValue)
        object["background"] = false
        object["completed_at"] = completedAt.map(JSONValue.int) ?? .null
        if let error {
            object["error"] = .object(JSONObject(["code": .string(error.code), "message": .string(error.message)]))
        } else {
            object["error"] = .null
        }
        if let incompleteReason {
            object["incomplete_details"] = .object(JSONObject(["reason": .string(incompleteReason)]))
        } else {
            object["incomplete_details"] = .null
        }
        object["instructions"] = request.instructions.map(JSONValue.string) ?? .null
        object["max_output_tokens"] = request.options.maxTokens.map(JSONValue.int) ?? .null
        object["max_tool_calls"] = .null
        object["model"] = .string(model)
        object["output"] = .array(output)
        object["parallel_tool_calls"] = .bool(request.parallelToolCalls)
        object["previous_response_id"] = request.previousResponseID.map(JSONValue.string) ?? .null
        object["reasoning"] = .object(JSONObject(["effort": .null, "summary": .null]))
        object["service_tier"] = "default"
        object["store"] = .bool(request.store)
        object["temperature"] = .double(temperature)
        object["text"] = .object(JSONObject(["format": request.formatValue]))
        object["tool_choice"] = request.toolChoice.value
        object["tools"] = .array(request.tools.map(\.value))
        object["top_p"] = .double(topP)
        object["truncation"] = .string(request.truncationAuto ? "auto" : "disabled")
        if let usage { object["usage"] = usage.value }  // absent (not null) until known, as OpenAI's schema has it
        if let user = request.options.user { object["user"] = .string(user) }
        object["metadata"] = .object(metadata)
        return .object(object)
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
