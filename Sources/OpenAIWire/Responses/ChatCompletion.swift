/// A whole (non-streamed) chat completion: `object: "chat.completion"`.
public struct ChatCompletion: Sendable, Equatable {
    public struct Choice: Sendable, Equatable {
        public var index: Int
        public var content: String
        /// `stop`, `length` or `tool_calls`.
        public var finishReason: String
        /// Per-token log-probabilities, when requested.
        public var logprobs: [TokenLogprobInfo]?
        /// Whole tool calls; with calls and no text, `content` is sent as null.
        public var toolCalls: [ToolCallFragment]

        public init(
            index: Int, content: String, finishReason: String, logprobs: [TokenLogprobInfo]? = nil, toolCalls: [ToolCallFragment] = []
        ) {
            self.index = index
            self.content = content
            self.finishReason = finishReason
            self.logprobs = logprobs
            self.toolCalls = toolCalls
        }

        var messageValue: JSONValue {
            var message = JSONObject([
                "role": "assistant",
                "content": content.isEmpty && !toolCalls.isEmpty ? .null : .string(content),
                "refusal": .null,
            ])
            if !toolCalls.isEmpty { message["tool_calls"] = .array(toolCalls.map(\.messageValue)) }
            return .object(message)
        }
    }

    public var id: String
    public var created: Int
    public var model: String
    public var systemFingerprint: String
    public var choices: [Choice]
    public var usage: Usage

    public init(id: String, created: Int, model: String, systemFingerprint: String, choices: [Choice], usage: Usage) {
        self.id = id
        self.created = created
        self.model = model
        self.systemFingerprint = systemFingerprint
        self.choices = choices
        self.usage = usage
    }

    public var value: JSONValue {
        var object = ResponseEnvelope.object(
            "chat.completion", id: id, created: created, model: model, systemFingerprint: systemFingerprint,
            choices: choices.map { choice in
                [
                    "index": .int(choice.index),
                    "message": choice.messageValue,
                    "logprobs": choice.logprobs.map(TokenLogprobInfo.chatLogprobs) ?? .null,
                    "finish_reason": .string(choice.finishReason),
                ]
            })
        object["usage"] = usage.value
        return .object(object)
    }
}
