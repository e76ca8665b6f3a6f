public import Fleet
public import Hummingbird
public import NIOCore
import Synchronization

/// The per-request context: Hummingbird's core storage plus what the middleware learns.
public struct SwitchyardRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The request's id, echoed in `x-request-id`.
    public var requestID: String = ""
    /// Who is asking, for fair queueing: the key used, or "anonymous".
    public var client: String = "anonymous"
    /// The database key the request authenticated with (its limits and allowed models).
    public var apiKey: APIKey?
    /// Whether the request may call admin endpoints.
    public var isAdmin = false
    /// Filled in by handlers, read by the metrics middleware after the response.
    public let outcome = RequestOutcome()
    /// The client's connection: its closing cancels the request's work (`ClientDisconnect`).
    public let channel: (any Channel)?

    public init(source: Source) {
        coreContext = .init(source: source)
        channel = source.channel
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
