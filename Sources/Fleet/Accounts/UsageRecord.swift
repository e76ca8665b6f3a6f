import Foundation

/// One request as the ledger keeps it: who, which model, how many tokens, how long, how it ended.
public struct UsageRecord: Sendable, Equatable {
    /// This row's own id, unique per request (a random UUID unless given): the ledger stores a row
    /// once per entry id, so a batch written twice (a retry, a spool replay) adds nothing twice.
    /// The request id is not enough: a client may send the same `x-request-id` twice.
    public var entryID: String
    /// The `x-request-id` the client saw.
    public var requestID: String
    /// When the request arrived (kept to the millisecond).
    public var time: Date
    /// The key used; nil when the server runs without keys.
    public var keyID: String?
    /// The key's name at the time (kept even after the key is revoked).
    public var keyName: String?
    /// The public model name the request resolved to (the name the client sent when unknown).
    public var model: String
    /// The tier serving the model, nil for an always-on model.
    public var tier: String?
    /// The API path, such as `/v1/chat/completions`.
    public var endpoint: String
    public var promptTokens: Int
    public var completionTokens: Int
    /// From arrival to the last byte sent.
    public var latencyMilliseconds: Double
    /// From arrival to the first content token sent (streams), nil when none was.
    public var timeToFirstTokenMilliseconds: Double?
    /// The HTTP status sent (200 even when a stream later failed with an error event).
    public var status: Int
    /// How long the request waited for its tier to wake, nil when it did not wait.
    public var wakeMilliseconds: Double?
    /// Whether the client asked for a stream.
    public var stream: Bool

    public init(
        entryID: String? = nil, requestID: String, time: Date, keyID: String? = nil, keyName: String? = nil, model: String,
        tier: String? = nil, endpoint: String, promptTokens: Int = 0, completionTokens: Int = 0,
        latencyMilliseconds: Double, timeToFirstTokenMilliseconds: Double? = nil, status: Int,
        wakeMilliseconds: Double? = nil, stream: Bool = false
    ) {
        self.entryID = entryID ?? UUID().uuidString.lowercased()
        self.requestID = requestID
        self.time = time
        self.keyID = keyID
        self.keyName = keyName
        self.model = model
        self.tier = tier
        self.endpoint = endpoint
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.latencyMilliseconds = latencyMilliseconds
        self.timeToFirstTokenMilliseconds = timeToFirstTokenMilliseconds
        self.status = status
        self.wakeMilliseconds = wakeMilliseconds
        self.stream = stream
    }

    /// Whether the request failed (HTTP status 400 or more).
    public var isError: Bool { status >= 400 }
}
