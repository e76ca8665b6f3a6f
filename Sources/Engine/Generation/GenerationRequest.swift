import ConstrainedDecoding
import OpenAIWire

/// One sequence to generate: prompt tokens in, events out (see `GenerationEvent`).
public struct GenerationRequest: Sendable {
    public var promptTokens: [Int]
    public var sampling: SamplingParameters
    /// Tokens to generate at most. 0 only scores the prompt (with `promptLogprobs`).
    public var maxTokens: Int
    /// End-of-sequence and stop sequences are ignored until this many tokens exist (vLLM's `min_tokens`).
    public var minTokens: Int
    /// Keep generating past end-of-sequence tokens (vLLM's `ignore_eos`), for fixed-length benchmarks.
    public var ignoreEOS: Bool
    /// Generation stops before the first occurrence of any of these; the text never contains them.
    public var stopSequences: [String]
    /// Extra token ids that end generation, beside the model's own end tokens.
    public var stopTokenIDs: Set<Int>
    /// Number of most likely alternatives to report per generated token; `nil` reports no logprobs,
    /// 0 reports only the chosen token's.
    public var logprobs: Int?
    /// Report log-probabilities for the prompt tokens too (legacy completions `echo` + `logprobs`),
    /// with this many alternatives each.
    public var promptLogprobs: Int?
    /// A grammar the output must follow (JSON schema, tool calls); `nil` leaves it free.
    public var constraint: OutputConstraint?

    public init(
        promptTokens: [Int], sampling: SamplingParameters = SamplingParameters(), maxTokens: Int,
        minTokens: Int = 0, ignoreEOS: Bool = false, stopSequences: [String] = [], stopTokenIDs: Set<Int> = [],
        logprobs: Int? = nil, promptLogprobs: Int? = nil, constraint: OutputConstraint? = nil
    ) {
        self.promptTokens = promptTokens
        self.sampling = sampling
        self.maxTokens = maxTokens
        self.minTokens = minTokens
        self.ignoreEOS = ignoreEOS
        self.stopSequences = stopSequences
        self.stopTokenIDs = stopTokenIDs
        self.logprobs = logprobs
        self.promptLogprobs = promptLogprobs
        self.constraint = constraint
    }
}

/// What the output must conform to. Compiled to a grammar once per request; the sampler
/// can then only choose tokens that keep the output valid.
public enum OutputConstraint: Sendable {
    /// Any JSON object (`response_format: json_object`).
    case jsonObject
    /// JSON valid against `schema` (`response_format: json_schema`). With `strict`, a keyword
    /// the engine cannot enforce is an error instead of being ignored.
    case jsonSchema(JSONValue, strict: Bool)
    /// Tool calls (`tools` with `tool_choice` auto, required or a named function).
    case toolCalls(ToolCallConstraint)
}

/// The tools a reply may call and how (OpenAI's `tools`, `tool_choice`, `parallel_tool_calls`).
public struct ToolCallConstraint: Sendable {
    public var tools: [ToolSpec]
    public var choice: ToolChoiceMode
    public var parallel: Bool
    /// The text wrapped around each call; nil: the model's own syntax, as its chat template
    /// teaches it (`InferenceEngine.toolCallFormat`).
    public var format: ToolCallFormat?

    public init(tools: [ToolSpec], choice: ToolChoiceMode, parallel: Bool, format: ToolCallFormat? = nil) {
        self.tools = tools
        self.choice = choice
        self.parallel = parallel
        self.format = format
    }
}
