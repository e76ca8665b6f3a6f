public import OpenAIWire

/// The server's sampling defaults: applied to every parameter a request leaves out, named in
/// the `x-switchyard-defaulted` header, and shown on `/v1/models/{id}`.
public struct SamplingDefaults: Sendable, Equatable {
    public var temperature: Double
    public var topP: Double
    /// Chat completions' `max_tokens` when left out: `nil` means the rest of the context window.
    public var chatMaxTokens: Int?
    /// Legacy completions' `max_tokens` when left out (OpenAI's documented default is 16).
    public var completionMaxTokens: Int

    public init(temperature: Double = 0.7, topP: Double = 0.95, chatMaxTokens: Int? = nil, completionMaxTokens: Int = 16) {
        self.temperature = temperature
        self.topP = topP
        self.chatMaxTokens = chatMaxTokens
        self.completionMaxTokens = completionMaxTokens
    }

    /// The defaults as `/v1/models/{id}` shows them.
    public var value: JSONValue {
        [
            "temperature": .double(temperature),
            "top_p": .double(topP),
            "top_k": .int(0),
            "min_p": .double(0),
            "repetition_penalty": .double(1),
            "presence_penalty": .double(0),
            "frequency_penalty": .double(0),
            "max_tokens": chatMaxTokens.map(JSONValue.int) ?? "rest of the context window",
            "completions_max_tokens": .int(completionMaxTokens),
            "seed": "random per request",
        ]
    }
}
