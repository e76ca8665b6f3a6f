import OpenAIWire

/// A plain (non-chat) HTTP request and what came back.
public struct HTTPExchange: Sendable {
    public var status: Int
    /// Header names lowercased.
    public var headers: [String: String]
    public var body: String
    /// Seconds from sending to the end of the body.
    public var elapsed: Double
    /// Why the exchange failed below HTTP (status 0), or why its body broke off.
    public var transportFailure: String?

    /// The body as JSON, or nil.
    public var json: JSONValue? { try? JSONValue.parse(body) }
}
