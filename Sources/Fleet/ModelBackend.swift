public import Engine
public import OpenAIWire

/// A model that can serve requests: the embedded engine today, an upstream server later.
/// The server only talks to models through this protocol.
public protocol ModelBackend: Sendable {
    /// What the model is: id, context window, capabilities.
    var descriptor: ModelDescriptor { get }
    /// Requests waiting inside the backend and sequences it is generating now.
    var load: BackendLoad { get }
    /// Token ids of `text` in the model's own vocabulary. With `addSpecialTokens`, special-token
    /// text is read as those tokens and the model's BOS token is prepended where the model wants one.
    func tokenize(_ text: String, addSpecialTokens: Bool) throws -> [Int]
    /// The text of token ids (invalid UTF-8 replaced).
    func detokenize(_ tokens: [Int]) throws -> String
    /// The model's chat template applied to messages in OpenAI's JSON shape.
    func renderChat(messages: JSONValue, tools: JSONValue?, addGenerationPrompt: Bool) throws -> String
    /// The same, with extra template variables (`chat_template_kwargs`, e.g. `enable_thinking`).
    func renderChat(messages: JSONValue, tools: JSONValue?, addGenerationPrompt: Bool, templateArguments: JSONObject) throws -> String
    /// Runs one sequence. Dropping or cancelling the consumer ends the generation.
    func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationEvent, any Error>
}

/// A backend's work in progress.
public struct BackendLoad: Sendable, Equatable {
    public var queued: Int
    public var active: Int

    public init(queued: Int, active: Int) {
        self.queued = queued
        self.active = active
    }
}

extension ModelBackend {
    /// A backend whose prompts come from no Jinja template has no use for extra variables.
    public func renderChat(messages: JSONValue, tools: JSONValue?, addGenerationPrompt: Bool, templateArguments: JSONObject) throws -> String {
        try renderChat(messages: messages, tools: tools, addGenerationPrompt: addGenerationPrompt)
    }
}
