/// A feature the probe tests with its own request(s).
public enum ProbeFeature: String, Sendable, Codable, Hashable, CaseIterable {
    case logprobs
    case seed
    case multipleChoices = "n"
    case imageInput = "image_input"
    case jsonObject = "json_object"
    case jsonSchemaStrict = "json_schema_strict"
    case toolChoiceAuto = "tool_choice_auto"
    case toolChoiceRequired = "tool_choice_required"
    case toolChoiceNamed = "tool_choice_named"
    case parallelToolCalls = "parallel_tool_calls"
    case streamedToolCalls = "streamed_tool_calls"
    case includeUsage = "stream_include_usage"
    case streamEnvelope = "stream_envelope"
    case stop
    case unknownField = "unknown_field"
    case badKeyError = "error_bad_key"
    case badModelError = "error_bad_model"
    case rateLimitHeaders = "rate_limit_headers"
    case samplingDefaults = "sampling_defaults"
    case responses
    case responsesStream = "responses_stream"
    case responsesStore = "responses_store"
    case responsesTextFormat = "responses_text_format"
    case embeddings

    /// What a plain `switchyard probe` runs: the chat-completions matrix. The Responses and
    /// embeddings features run when named in `--features` (or with `--features all`): many
    /// migrating apps never call those endpoints, and an embeddings probe needs a second model.
    public static let defaultFeatures: [ProbeFeature] = allCases.filter { !$0.isExtraEndpoint }

    /// Whether the feature probes an endpoint other than `/v1/chat/completions`.
    public var isExtraEndpoint: Bool {
        switch self {
        case .responses, .responsesStream, .responsesStore, .responsesTextFormat, .embeddings: true
        default: false
        }
    }

    /// What the probe sends, for the report.
    public var summary: String {
        switch self {
        case .logprobs: "logprobs: true, top_logprobs: 3"
        case .seed: "same seed twice at temperature 1 gives the same output"
        case .multipleChoices: "n: 2 returns two choices"
        case .imageInput: "an image_url content part (1×1 PNG)"
        case .jsonObject: "response_format json_object gives a JSON object"
        case .jsonSchemaStrict: "response_format json_schema strict gives valid output"
        case .toolChoiceAuto: "tools with tool_choice auto"
        case .toolChoiceRequired: "tools with tool_choice required"
        case .toolChoiceNamed: "tool_choice naming one of two tools"
        case .parallelToolCalls: "two tool calls in one turn"
        case .streamedToolCalls: "streamed tool-call deltas follow the contract"
        case .includeUsage: "stream_options.include_usage sends a usage chunk with choices []"
        case .streamEnvelope: "streamed chunks keep id/created/model, end with [DONE], usage chunk has choices []"
        case .stop: "stop sequence ends the output"
        case .unknownField: "a field OpenAI does not define"
        case .badKeyError: "wrong API key gives 401 with an OpenAI error object"
        case .badModelError: "unknown model gives 404 model_not_found"
        case .rateLimitHeaders: "x-ratelimit-* headers on responses"
        case .samplingDefaults: "how outputs vary when sampling parameters are omitted"
        case .responses: "POST /v1/responses answers with a Response object"
        case .responsesStream: "streamed Responses events in order, deltas adding up to the final text"
        case .responsesStore: "store: true, GET /v1/responses/{id}, previous_response_id continues the chain"
        case .responsesTextFormat: "text.format json_schema strict gives valid output"
        case .embeddings: "POST /v1/embeddings: float vectors, base64 decoding to the same, usage.prompt_tokens"
        }
    }
}
