public import OpenAIWire

/// One event of a streamed upstream reply.
public enum UpstreamStreamEvent: Sendable {
    /// One SSE `data` event (a chunk object), with `model` rewritten to the public name; forward it as is.
    case chunk(JSONValue)
    /// Usage seen in the stream. When several are seen (some servers report usage on every
    /// chunk), the last one is the total.
    case usage(UpstreamUsage)
}
