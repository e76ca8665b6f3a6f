public import Hummingbird
import Synchronization

/// The per-request context: Hummingbird's core storage plus what the middleware learns.
public struct SwitchyardRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The request's id, echoed in `x-request-id`.
    public var requestID: String = ""
    /// Who is asking, for fair queueing: the index of the API key used, or "anonymous".
    public var client: String = "anonymous"
    /// Filled in by handlers, read by the metrics middleware after the response.
    public let outcome = RequestOutcome()

    public init(source: Source) {
        coreContext = .init(source: source)
    }
}

/// What a handler reports back to the middleware that wraps it (the model served).
public final class RequestOutcome: Sendable {
    private let state = Mutex<String?>(nil)

    public var model: String? {
        get { state.withLock { $0 } }
        set { state.withLock { $0 = newValue } }
    }
}
