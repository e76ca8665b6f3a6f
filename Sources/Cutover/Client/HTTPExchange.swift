import OpenAIWire

/// A plain (non-chat) HTTP request and what came back.
public struct HTTPExchange: Sendable {
    public var status: Int
    /// Header names lowercased.
    public var headers: [String: String]
    public var body: String
    /// Seconds from sending to the end of the body.
    public var elapsed: Double

    /// The body as JSON, or nil.
    public var json: JSONValue? { try? JSONValue.parse(body) }
}
