/// A legacy completion or one of its stream chunks (they share one shape): `object: "text_completion"`.
public struct Completion: Sendable, Equatable {
    public struct Choice: Sendable, Equatable {
        public var index: Int
        public var text: String
        public var logprobs: CompletionLogprobs?
        /// `nil` on stream chunks before the last of a choice.
        public var finishReason: String?

        public init(index: Int, text: String, logprobs: CompletionLogprobs? = nil, finishReason: String?) {
            self.index = index
            self.text = text
            self.logprobs = logprobs
            self.finishReason = finishReason
        }
    }

    public var id: String
    public var created: Int
    public var model: String
    public var systemFingerprint: String
    public var choices: [Choice]
    public var usage: Usage?

    public init(id: String, created: Int, model: String, systemFingerprint: String, choices: [Choice], usage: Usage?) {
        self.id = id
        self.created = created
        self.model = model
        self.systemFingerprint = systemFingerprint
        self.choices = choices
        self.usage = usage
    }

    public var value: JSONValue {
        var object = ResponseEnvelope.object(
            "text_completion", id: id, created: created, model: model, systemFingerprint: systemFingerprint,
            choices: choices.map { choice in
                [
                    "index": .int(choice.index),
                    "text": .string(choice.text),
                    "logprobs": choice.logprobs?.value ?? .null,
                    "finish_reason": choice.finishReason.map(JSONValue.string) ?? .null,
                ]
            })
        if let usage { object["usage"] = usage.value }
        return .object(object)
    }
}
