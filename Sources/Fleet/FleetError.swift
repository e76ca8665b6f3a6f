/// Why the fleet refused a request. The server turns these into HTTP responses.
public enum FleetError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No model is served under this id.
    case modelNotFound(String)
    /// The admission queue is full; try again after about this many seconds.
    case queueFull(retryAfterSeconds: Int)
    /// The prompt (plus the requested completion) does not fit the context window; `param` is the field at fault.
    case contextLengthExceeded(message: String, param: String)
    /// A request the model cannot serve, naming the field.
    case invalidRequest(message: String, param: String?, code: String)

    public var description: String {
        switch self {
        case .modelNotFound(let id): "The model '\(id)' does not exist."
        case .queueFull: "The server is at capacity and its queue is full. Retry shortly."
        case .contextLengthExceeded(let message, _): message
        case .invalidRequest(let message, _, _): message
        }
    }
}
