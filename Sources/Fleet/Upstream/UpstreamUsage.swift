public import OpenAIWire

/// Token counts an upstream reported for one request.
public struct UpstreamUsage: Sendable, Equatable {
    public var promptTokens: Int
    public var completionTokens: Int

    public init(promptTokens: Int, completionTokens: Int) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }

    /// Reads OpenAI's `usage` object (`prompt_tokens`, `completion_tokens`, or `total_tokens` to
    /// derive the missing one); `nil` when it is absent or carries no counts.
    /// The Responses API's `input_tokens` / `output_tokens` are read too.
    public init?(_ usage: JSONValue?) {
        if let input = usage?["input_tokens"]?.intValue, let output = usage?["output_tokens"]?.intValue {
            self.init(promptTokens: input, completionTokens: output)
            return
        }
        guard let usage, let prompt = usage["prompt_tokens"]?.intValue else { return nil }
        if let completion = usage["completion_tokens"]?.intValue {
            self.init(promptTokens: prompt, completionTokens: completion)
        } else if let total = usage["total_tokens"]?.intValue, total >= prompt {
            self.init(promptTokens: prompt, completionTokens: total - prompt)
        } else {
            return nil
        }
    }
}
