import OpenAIWire

/// What a generation yields, in order: optionally `promptScored` once, then `token`s, then
/// exactly one `finished`. Errors end the stream by throwing `EngineError`.
public enum GenerationEvent: Sendable {
    /// Log-probabilities of the prompt tokens (first token has none), when requested.
    case promptScored([TokenLogprob?])
    case token(GeneratedToken)
    /// A piece of a tool call, when the request offered tools and the model called one:
    /// the first piece of each call has its id and name, later ones only argument text.
    case toolCall(ToolCallDelta)
    case finished(FinishReason, GenerationUsage)
}

/// One streamed fragment of a tool call (OpenAI's `delta.tool_calls[]`): `index` is the call's
/// position among this reply's calls; the first fragment of a call carries its `id` and `name`
/// (and "" as `arguments`), later ones only the next piece of the arguments' JSON text. The
/// wire type itself, so the server sends what the engine yields without a conversion.
public typealias ToolCallDelta = ToolCallFragment

/// One sampled token.
public struct GeneratedToken: Sendable {
    public var id: Int
    /// Text released by this token: complete UTF-8 only, and held back while it might be
    /// the start of a stop sequence, so it can be empty. Concatenating every token's
    /// `text` gives the whole completion.
    public var text: String
    /// The chosen token's log-probability and alternatives, when requested.
    public var logprob: TokenLogprob?

    public init(id: Int, text: String, logprob: TokenLogprob? = nil) {
        self.id = id
        self.text = text
        self.logprob = logprob
    }
}

/// A token's log-probability (natural log, of the full softmax before sampling filters).
public struct TokenLogprob: Sendable, Equatable {
    public var id: Int
    /// The token's own text (may be part of a UTF-8 character; then `bytes` is exact).
    public var token: String
    public var bytes: [UInt8]
    public var logprob: Float
    /// The most likely tokens at this step, most likely first.
    public var top: [TokenAlternative]

    public init(id: Int, token: String, bytes: [UInt8], logprob: Float, top: [TokenAlternative]) {
        self.id = id
        self.token = token
        self.bytes = bytes
        self.logprob = logprob
        self.top = top
    }
}

public struct TokenAlternative: Sendable, Equatable {
    public var id: Int
    public var token: String
    public var bytes: [UInt8]
    public var logprob: Float

    public init(id: Int, token: String, bytes: [UInt8], logprob: Float) {
        self.id = id
        self.token = token
        self.bytes = bytes
        self.logprob = logprob
    }
}

public enum FinishReason: String, Sendable {
    /// An end-of-sequence token, a stop token or a stop sequence.
    case stop
    /// `maxTokens` reached, or the context window filled.
    case length
    /// The reply is one or more tool calls.
    case toolCalls = "tool_calls"
}

public struct GenerationUsage: Sendable, Equatable {
    public var promptTokens: Int
    public var completionTokens: Int
    /// Prompt tokens whose KV entries were reused from an earlier request.
    public var cachedPromptTokens: Int

    public init(promptTokens: Int, completionTokens: Int, cachedPromptTokens: Int = 0) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cachedPromptTokens = cachedPromptTokens
    }

    public var totalTokens: Int { promptTokens + completionTokens }
}
