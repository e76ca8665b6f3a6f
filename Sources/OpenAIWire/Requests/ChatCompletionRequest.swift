/// A validated `POST /v1/chat/completions` body.
public struct ChatCompletionRequest: Sendable, Equatable {
    public var model: String
    public var messages: [ChatMessage]
    public var options: GenerationOptions
    /// `logprobs: true`.
    public var logprobs: Bool
    /// `top_logprobs` (0...20); requires `logprobs`.
    public var topLogprobs: Int?
    /// `tools`, as sent (an array of tool definitions).
    public var tools: JSONValue?
    /// `tool_choice`, as sent (`"none"`, `"auto"`, `"required"` or a named function).
    public var toolChoice: JSONValue?
    /// `parallel_tool_calls` (default true).
    public var parallelToolCalls: Bool
    public var responseFormat: ResponseFormat?
    /// `chat_template_kwargs` (vLLM's and llama-server's extension): extra variables for the
    /// model's chat template, e.g. `{"enable_thinking": false}` for Qwen3.
    public var chatTemplateArguments: JSONObject
    /// Top-level fields the server does not act on, in request order.
    public var ignoredFields: [String]

    static let keys: Set<String> = GenerationOptions.keys.union([
        "model", "messages", "logprobs", "top_logprobs", "tools", "tool_choice", "parallel_tool_calls", "response_format",
        "chat_template_kwargs",
    ])

    /// Template variables the server sets itself, which `chat_template_kwargs` may not replace.
    public static let reservedTemplateVariables: Set<String> = [
        "messages", "tools", "add_generation_prompt", "bos_token", "eos_token",
    ]

    /// Parses and validates a request body.
    public init(body: some Collection<UInt8>) throws(OpenAIError) {
        try self.init(FieldReader.parseBody(body))
    }

    public init(_ object: JSONObject) throws(OpenAIError) {
        let reader = FieldReader(object)
        model = try reader.requiredString("model")
        guard let messageValues = try reader.array("messages") else {
            throw OpenAIError.invalidRequest(
                "Missing required parameter: 'messages'.", param: "messages", code: "missing_required_parameter")
        }
        guard !messageValues.isEmpty else {
            throw OpenAIError.invalidValue("'messages' must contain at least one message.", param: "messages")
        }
        var messages: [ChatMessage] = []
        for (index, value) in messageValues.enumerated() {
            messages.append(try ChatMessage(value, path: "messages[\(index)]"))
        }
        self.messages = messages
        options = try GenerationOptions(reading: reader)
        logprobs = try reader.bool("logprobs") ?? false
        topLogprobs = try reader.int("top_logprobs", in: 0...20)
        if topLogprobs != nil, !logprobs {
            throw OpenAIError.invalidRequest(
                "'top_logprobs' requires 'logprobs' to be true.", param: "top_logprobs", code: "invalid_value")
        }
        if let tools = try reader.array("tools") {
            self.tools = tools.isEmpty ? nil : .array(tools)
        }
        toolChoice = reader.value("tool_choice")
        parallelToolCalls = try reader.bool("parallel_tool_calls") ?? true
        responseFormat = try reader.object("response_format").map { (object) throws(OpenAIError) in try ResponseFormat(object) }
        chatTemplateArguments = try reader.object("chat_template_kwargs") ?? JSONObject()
        if let reserved = chatTemplateArguments.keys.first(where: { Self.reservedTemplateVariables.contains($0) }) {
            throw OpenAIError.invalidValue(
                "'chat_template_kwargs' may not set '\(reserved)': the server sets it from the request.",
                param: "chat_template_kwargs")
        }
        ignoredFields = object.keys.filter { !Self.keys.contains($0) }
    }
}
