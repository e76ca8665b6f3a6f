/// One SSE chunk of a streamed chat completion: `object: "chat.completion.chunk"`.
/// `id`, `created`, `model` and `system_fingerprint` are equal on every chunk of a stream.
public struct ChatCompletionChunk: Sendable, Equatable {
    public struct Choice: Sendable, Equatable {
        public var index: Int
        /// The first chunk of each choice carries the role.
        public var role: String?
        public var content: String?
        public var logprobs: [TokenLogprobInfo]?
        public var finishReason: String?
        /// Tool-call pieces in this delta.
        public var toolCalls: [ToolCallFragment]

        public init(
            index: Int, role: String? = nil, content: String? = nil, logprobs: [TokenLogprobInfo]? = nil, finishReason: String? = nil,
            toolCalls: [ToolCallFragment] = []
        ) {
            self.index = index
            self.role = role
            self.content = content
            self.logprobs = logprobs
            self.finishReason = finishReason
            self.toolCalls = toolCalls
        }
    }

    public var id: String
    public var created: Int
    public var model: String
    public var systemFingerprint: String
    /// Empty on the usage chunk.
    public var choices: [Choice]
    /// Only on the last chunk, when `stream_options.include_usage` is true.
    public var usage: Usage?
    /// Whether `usage: null` appears on the other chunks (OpenAI sends it once usage was asked for).
    public var usageRequested: Bool

    public init(
        id: String, created: Int, model: String, systemFingerprint: String, choices: [Choice], usage: Usage? = nil,
        usageRequested: Bool = false
    ) {
        self.id = id
        self.created = created
        self.model = model
        self.systemFingerprint = systemFingerprint
        self.choices = choices
        self.usage = usage
        self.usageRequested = usageRequested
    }

    public var value: JSONValue {
        var object = ResponseEnvelope.object(
            "chat.completion.chunk", id: id, created: created, model: model, systemFingerprint: systemFingerprint,
            choices: choices.map { choice in
                var delta = JSONObject()
                if let role = choice.role { delta["role"] = .string(role) }
                if let content = choice.content { delta["content"] = .string(content) }
                if !choice.toolCalls.isEmpty { delta["tool_calls"] = .array(choice.toolCalls.map(\.deltaValue)) }
                return [
                    "index": .int(choice.index),
                    "delta": .object(delta),
                    "logprobs": choice.logprobs.map(TokenLogprobInfo.chatLogprobs) ?? .null,
                    "finish_reason": choice.finishReason.map(JSONValue.string) ?? .null,
                ]
            })
        if let usage {
            object["usage"] = usage.value
        } else if usageRequested {
            object["usage"] = .null
        }
        return .object(object)
    }
}
