/// The sampling and length fields that chat and legacy completions share, as the client sent
/// them: `nil` where the client left a field out, so the server can apply (and name) its defaults.
public struct GenerationOptions: Sendable, Equatable {
    public var temperature: Double?
    public var topP: Double?
    /// vLLM extension; 0 or -1 disables.
    public var topK: Int?
    /// vLLM extension.
    public var minP: Double?
    /// vLLM extension (multiplicative, 1 disables).
    public var repetitionPenalty: Double?
    public var presencePenalty: Double?
    public var frequencyPenalty: Double?
    /// Token id to additive bias (-100...100).
    public var logitBias: [Int: Double] = [:]
    public var seed: Int?
    /// `max_completion_tokens`, else `max_tokens`.
    public var maxTokens: Int?
    /// vLLM extension: end-of-sequence and stop sequences are ignored until this many tokens exist.
    public var minTokens: Int = 0
    /// vLLM extension: keep generating past end-of-sequence tokens.
    public var ignoreEOS: Bool = false
    public var stop: [String] = []
    /// vLLM extension: extra token ids that end generation.
    public var stopTokenIDs: [Int] = []
    /// Completions to generate per prompt, 1...8.
    public var n: Int = 1
    public var stream: Bool = false
    /// `stream_options.include_usage`.
    public var includeUsage: Bool = false
    /// The end user, as the client names them; the server queues fairly between users.
    public var user: String?

    public init() {}

    /// The fields this type reads, so requests can list what they ignored.
    static let keys: Set<String> = [
        "temperature", "top_p", "top_k", "min_p", "repetition_penalty", "presence_penalty", "frequency_penalty",
        "logit_bias", "seed", "max_tokens", "max_completion_tokens", "min_tokens", "ignore_eos", "stop",
        "stop_token_ids", "n", "stream", "stream_options", "user",
    ]

    init(reading reader: FieldReader, maxN: Int = 8) throws(OpenAIError) {
        temperature = try reader.double("temperature", in: 0...2)
        topP = try reader.double("top_p", in: 0...1)
        topK = try reader.int("top_k", in: -1...Int(Int32.max))
        minP = try reader.double("min_p", in: 0...1)
        repetitionPenalty = try reader.double("repetition_penalty", in: 0.01...10)
        presencePenalty = try reader.double("presence_penalty", in: -2...2)
        frequencyPenalty = try reader.double("frequency_penalty", in: -2...2)
        if let bias = try reader.object("logit_bias") {
            for entry in bias {
                let param = "logit_bias.\(entry.key)"
                guard let id = Int(entry.key), id >= 0 else {
                    throw OpenAIError.invalidValue("Invalid key in 'logit_bias': '\(entry.key)' is not a token id.", param: param)
                }
                guard let value = entry.value.doubleValue else {
                    throw OpenAIError.invalidRequest("Invalid type for '\(param)': expected a number.", param: param, code: "invalid_type")
                }
                guard (-100...100).contains(value) else {
                    throw OpenAIError.invalidValue("Invalid value for '\(param)': \(value) is not between -100 and 100.", param: param)
                }
                logitBias[id] = value
            }
        }
        seed = try reader.int("seed", in: Int.min...Int.max)
        maxTokens = try reader.int("max_completion_tokens", in: 0...Int(Int32.max))
        if maxTokens == nil {
            maxTokens = try reader.int("max_tokens", in: 0...Int(Int32.max))
        }
        minTokens = try reader.int("min_tokens", in: 0...Int(Int32.max)) ?? 0
        ignoreEOS = try reader.bool("ignore_eos") ?? false
        stop = try reader.stopSequences("stop")
        if let ids = try reader.array("stop_token_ids") {
            for (index, element) in ids.enumerated() {
                guard let id = element.intValue, id >= 0 else {
                    throw reader.typeError("stop_token_ids[\(index)]", "a token id", element)
                }
                stopTokenIDs.append(id)
            }
        }
        n = try reader.int("n", in: 1...maxN) ?? 1
        stream = try reader.bool("stream") ?? false
        if let options = try reader.object("stream_options") {
            guard stream else {
                throw OpenAIError.invalidRequest(
                    "'stream_options' is only allowed when 'stream' is true.", param: "stream_options", code: "invalid_value")
            }
            includeUsage = try FieldReader(options, path: "stream_options").bool("include_usage") ?? false
        }
        user = try reader.string("user")
        if let maxTokens, minTokens > maxTokens {
            throw OpenAIError.invalidValue(
                "'min_tokens' (\(minTokens)) must not exceed the maximum number of tokens (\(maxTokens)).", param: "min_tokens")
        }
    }
}
