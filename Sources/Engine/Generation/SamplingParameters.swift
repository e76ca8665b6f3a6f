/// How the next token is chosen from the model's logits. The defaults are neutral
/// (plain sampling at temperature 1); the server documents and applies its own defaults.
public struct SamplingParameters: Sendable, Equatable {
    /// 0 means greedy (argmax).
    public var temperature: Float = 1
    /// Nucleus sampling: keep the smallest set of tokens whose probability reaches `topP`. 1 disables.
    public var topP: Float = 1
    /// Keep the `topK` most likely tokens. 0 disables.
    public var topK: Int = 0
    /// Drop tokens whose probability is below `minP` times the top token's. 0 disables.
    public var minP: Float = 0
    /// Multiplicative penalty (CTRL-style, as llama.cpp and vLLM) on tokens already in prompt or output. 1 disables.
    public var repetitionPenalty: Float = 1
    /// OpenAI's additive penalty for tokens that appeared in the output at all.
    public var presencePenalty: Float = 0
    /// OpenAI's additive penalty proportional to how often a token appeared in the output.
    public var frequencyPenalty: Float = 0
    /// Added to the logits of the given token ids before sampling (OpenAI's `logit_bias`, -100...100).
    public var logitBias: [Int: Float] = [:]
    /// Same seed and parameters give the same tokens. `nil` draws a fresh seed.
    public var seed: UInt64?

    public init(
        temperature: Float = 1, topP: Float = 1, topK: Int = 0, minP: Float = 0, repetitionPenalty: Float = 1,
        presencePenalty: Float = 0, frequencyPenalty: Float = 0, logitBias: [Int: Float] = [:], seed: UInt64? = nil
    ) {
        self.temperature = temperature
        self.topP = topP
        self.topK = topK
        self.minP = minP
        self.repetitionPenalty = repetitionPenalty
        self.presencePenalty = presencePenalty
        self.frequencyPenalty = frequencyPenalty
        self.logitBias = logitBias
        self.seed = seed
    }

    public static let greedy = SamplingParameters(temperature: 0)
}
