public import Engine

/// What to run for one API request: one generation per choice, and what the response needs
/// to know about the prompts.
public struct GenerationPlan: Sendable {
    /// One choice of the response and the generation that produces it.
    public struct Choice: Sendable {
        /// The choice's `index` in the response (prompt index × n + i).
        public var index: Int
        /// Which prompt it continues.
        public var promptIndex: Int
        public var request: GenerationRequest
    }

    public var choices: [Choice]
    /// The tokens of each prompt.
    public var promptTokens: [[Int]]
    /// The text of each prompt, for `echo`.
    public var promptTexts: [String]
    /// Request fields the server filled in from its defaults, in a stable order.
    public var defaulted: [String]

    /// Prompt tokens counted once per prompt, as OpenAI's usage counts them.
    public var promptTokenCount: Int { promptTokens.reduce(0) { $0 + $1.count } }
}

extension GenerationPlan {
    /// The most tokens the plan can use: its prompts, plus every choice's `max_tokens`
    /// (what a key's token budget reserves before the request runs).
    public var reservedTokens: Int { promptTokenCount + choices.reduce(0) { $0 + $1.request.maxTokens } }
}
