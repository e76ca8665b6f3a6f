/// A validated `POST /tokenize` body, in vLLM's shapes (`prompt` or `messages`); llama-server's
/// `content` is accepted as a synonym of `prompt`.
public struct TokenizeRequest: Sendable, Equatable {
    public enum Input: Sendable, Equatable {
        case prompt(String)
        case messages([ChatMessage], addGenerationPrompt: Bool)
    }

    /// The model named, if any (the served model otherwise).
    public var model: String?
    public var input: Input
    /// `add_special_tokens` (default true): whether special-token text in the prompt is parsed as such.
    public var addSpecialTokens: Bool
    /// With `messages`: the `tools` the template renders, and `chat_template_kwargs`, as in a chat
    /// completion (vLLM's /tokenize takes both), so a client can see the exact prompt of a request.
    public var tools: JSONValue?
    public var chatTemplateArguments = JSONObject()

    public init(body: some Collection<UInt8>) throws(OpenAIError) {
        let object = try FieldReader.parseBody(body)
        let reader = FieldReader(object)
        model = try reader.string("model")
        addSpecialTokens = try reader.bool("add_special_tokens") ?? true
        if let messageValues = try reader.array("messages") {
            var messages: [ChatMessage] = []
            for (index, value) in messageValues.enumerated() {
                messages.append(try ChatMessage(value, path: "messages[\(index)]"))
            }
            input = .messages(messages, addGenerationPrompt: try reader.bool("add_generation_prompt") ?? true)
            if let tools = try reader.array("tools"), !tools.isEmpty { self.tools = .array(tools) }
            chatTemplateArguments = try reader.object("chat_template_kwargs") ?? JSONObject()
            if let reserved = chatTemplateArguments.keys.first(where: { ChatCompletionRequest.reservedTemplateVariables.contains($0) }) {
                throw OpenAIError.invalidValue(
                    "'chat_template_kwargs' may not set '\(reserved)': the server sets it from the request.",
                    param: "chat_template_kwargs")
            }
        } else if let prompt = try reader.string("prompt") {
            input = .prompt(prompt)
        } else if let content = try reader.string("content") {
            input = .prompt(content)
        } else {
            throw OpenAIError.invalidRequest(
                "Missing required parameter: 'prompt' (or 'messages').", param: "prompt", code: "missing_required_parameter")
        }
    }
}

/// A validated `POST /detokenize` body: `{"tokens": [...]}`.
public struct DetokenizeRequest: Sendable, Equatable {
    public var model: String?
    public var tokens: [Int]

    public init(body: some Collection<UInt8>) throws(OpenAIError) {
        let object = try FieldReader.parseBody(body)
        let reader = FieldReader(object)
        model = try reader.string("model")
        guard let values = try reader.array("tokens") else {
            throw OpenAIError.invalidRequest("Missing required parameter: 'tokens'.", param: "tokens", code: "missing_required_parameter")
        }
        var tokens: [Int] = []
        for (index, value) in values.enumerated() {
            guard case .int(let id) = value, id >= 0 else {
                throw reader.typeError("tokens[\(index)]", "a token id", value)
            }
            tokens.append(id)
        }
        self.tokens = tokens
    }
}
