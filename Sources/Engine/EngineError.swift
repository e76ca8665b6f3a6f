/// Why the engine refused or stopped a request.
public enum EngineError: Error, Sendable, CustomStringConvertible {
    /// Prompt plus requested output do not fit the context window.
    case contextLengthExceeded(promptTokens: Int, requestedTokens: Int, contextLength: Int)
    /// The model file uses something this engine does not implement.
    case unsupportedModel(String)
    /// The model file is unusable (names the problem).
    case invalidModel(String)
    /// A request the engine cannot run (bad token ids, invalid schema...).
    case invalidRequest(String)
    /// A JSON schema (response format or tool parameters) that cannot be compiled or
    /// enforced; `keyword` names the unsupported keyword where that is the reason.
    case invalidSchema(message: String, keyword: String?)
    /// The request was cancelled (client gone, shutdown).
    case cancelled
    /// The engine was shut down.
    case shutDown

    public var description: String {
        switch self {
        case .contextLengthExceeded(let prompt, let requested, let context):
            "This model's maximum context length is \(context) tokens. However, you requested \(prompt + requested) tokens (\(prompt) in the messages, \(requested) in the completion). Please reduce the length of the messages or completion."
        case .unsupportedModel(let reason): "unsupported model: \(reason)"
        case .invalidModel(let reason): "invalid model: \(reason)"
        case .invalidRequest(let reason): reason
        case .invalidSchema(let message, _): message
        case .cancelled: "the request was cancelled"
        case .shutDown: "the engine is shutting down"
        }
    }
}
