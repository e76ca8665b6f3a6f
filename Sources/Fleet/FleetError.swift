public import OpenAIWire

/// Why the fleet refused or failed a request. The server turns these into HTTP responses.
public enum FleetError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No model is served under this id (or the key may not use it).
    case modelNotFound(String)
    /// The admission queue is full; try again after about this many seconds.
    case queueFull(retryAfterSeconds: Int)
    /// The prompt (plus the requested completion) does not fit the context window; `param` is the field at fault.
    case contextLengthExceeded(message: String, param: String)
    /// A request the model cannot serve, naming the field.
    case invalidRequest(message: String, param: String?, code: String)
    /// The tier did not wake within its hard cap: 504 `timeout_error` / `wake_timeout`, not to be retried.
    case wakeTimeout(tier: String, waited: Duration)
    /// The tier's wake failed (its command exited, the model would not load): 503 with the reason.
    case wakeFailed(tier: String, reason: String)
    /// A key's requests or tokens per minute are used up: 429 `rate_limit_exceeded` with `retry-after`.
    case rateLimited(message: String, retryAfterSeconds: Int)
    /// An upstream server's failure, already in OpenAI's shape (status, type, code), with the
    /// upstream's model name and keys scrubbed from the message.
    case upstream(OpenAIError)

    public var description: String {
        switch self {
        case .modelNotFound(let id): "The model '\(id)' does not exist."
        case .queueFull: "The server is at capacity and its queue is full. Retry shortly."
        case .contextLengthExceeded(let message, _): message
        case .invalidRequest(let message, _, _): message
        case .wakeTimeout(let tier, let waited):
            "The model's tier '\(tier)' did not wake within \(Int(waited.components.seconds)) s (its hard cap); the request was not run."
        case .wakeFailed(let tier, let reason): "The model's tier '\(tier)' failed to wake: \(reason)"
        case .rateLimited(let message, _): message
        case .upstream(let error): error.message
        }
    }
}
