/// Token counts of one request, in the served model's own tokens.
public struct Usage: Sendable, Equatable {
    public var promptTokens: Int
    public var completionTokens: Int
    /// Prompt tokens served from the prompt cache.
    public var cachedTokens: Int

    public init(promptTokens: Int = 0, completionTokens: Int = 0, cachedTokens: Int = 0) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cachedTokens = cachedTokens
    }

    public var totalTokens: Int { promptTokens + completionTokens }

    public var value: JSONValue {
        [
            "prompt_tokens": .int(promptTokens),
            "completion_tokens": .int(completionTokens),
            "total_tokens": .int(totalTokens),
            "prompt_tokens_details": ["cached_tokens": .int(cachedTokens)],
        ]
    }
}
