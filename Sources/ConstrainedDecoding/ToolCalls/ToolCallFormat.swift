import OpenAIWire

/// The text around tool calls in a chat template's format: each call is
/// `callPrefix {"<nameKey>": "<name>", "<argumentsKey>": <arguments>} callSuffix`, calls in a row
/// joined by `separator`.
public struct ToolCallFormat: Sendable, Equatable {
    /// Written before each call's JSON.
    public var callPrefix: String
    /// Written after each call's JSON.
    public var callSuffix: String
    /// Between parallel calls.
    public var separator: String
    /// Key of the function name in the call object.
    public var nameKey: String
    /// Key of the arguments object in the call object.
    public var argumentsKey: String
    /// Whether the template renders several calls in one assistant turn (Llama 3.1's raises
    /// "This model only supports single tool-calls at once!").
    public var allowsParallel: Bool
    /// Tags of a reasoning block the model may write before its calls or text (Qwen3's
    /// `<think>...</think>`); nil when the template has none.
    public var reasoning: ReasoningTags?

    /// The text that opens and closes a model's reasoning.
    public struct ReasoningTags: Sendable, Equatable {
        public var open: String
        public var close: String

        public init(open: String, close: String) {
            self.open = open
            self.close = close
        }

        /// Qwen3, DeepSeek-R1 and QwQ: `<think>...</think>`.
        public static let think = ReasoningTags(open: "<think>", close: "</think>")
    }

    public init(callPrefix: String, callSuffix: String, separator: String, nameKey: String = "name",
                argumentsKey: String = "arguments", allowsParallel: Bool = true, reasoning: ReasoningTags? = nil) {
        self.callPrefix = callPrefix
        self.callSuffix = callSuffix
        self.separator = separator
        self.nameKey = nameKey
        self.argumentsKey = argumentsKey
        self.allowsParallel = allowsParallel
        self.reasoning = reasoning
    }

    /// Hermes/Qwen: `<tool_call>\n{"name": "f", "arguments": {...}}\n</tool_call>`, calls
    /// separated by a newline (Qwen2.5, Qwen3, Hermes 2/3 templates render them so).
    public static let hermes = ToolCallFormat(callPrefix: "<tool_call>\n", callSuffix: "\n</tool_call>", separator: "\n")

    /// Llama 3.1/3.2/3.3 custom tools: the reply is the bare JSON object
    /// `{"name": "f", "parameters": {...}}`, one call per turn, as the template renders an
    /// assistant's `tool_calls` and as its system prompt asks the model to answer.
    public static let llama3JSON = ToolCallFormat(
        callPrefix: "", callSuffix: "", separator: "", argumentsKey: "parameters", allowsParallel: false)

    /// The text up to the function name's opening quote: `<tool_call>\n{"name": `.
    public var headerStart: String {
        var head = callPrefix + "{"
        JSONValue.writeString(nameKey, to: &head)
        return head + ": "
    }

    /// What a reply begins with when it is calls rather than text (`tool_choice: auto`): the
    /// prefix, or for a format without one (Llama's bare JSON) the call object's opening up to
    /// the name, as llama.cpp's lazy grammar triggers on `{"name": `.
    public var callMarker: String {
        callPrefix.isEmpty ? headerStart : callPrefix
    }

    /// The JSON object of one call, exactly as the grammar has the model write it.
    public func callJSON(name: String, arguments: String) -> String {
        var text = "{"
        JSONValue.writeString(nameKey, to: &text)
        text += ": "
        JSONValue.writeString(name, to: &text)
        text += ", "
        JSONValue.writeString(argumentsKey, to: &text)
        text += ": " + arguments + "}"
        return text
    }
}
