public import OpenAIWire

/// What an upstream answered to a request it accepted (2xx).
public enum UpstreamReply: Sendable {
    /// A non-streamed body, with `model` rewritten to the public name, and its usage when reported;
    /// `text` is the upstream's own bytes with only `model` rewritten, when that is the only change
    /// (what a relay sends instead of encoding the value again: numbers keep their digits).
    case complete(JSONValue, usage: UpstreamUsage?, text: [UInt8]? = nil)
    /// A streamed reply: events read as the consumer asks for them. It finishes after the
    /// upstream's `[DONE]`, and throws `FleetError.upstream` when the upstream fails, breaks off,
    /// or falls silent. Dropping or cancelling the consumer cancels the upstream request.
    case stream(UpstreamEventStream)
}
