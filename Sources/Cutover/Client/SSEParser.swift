import Foundation
import OpenAIWire

/// The kit's Server-Sent Events reader: `ServerSentEventParser` (shared with the gateway),
/// giving the `data` payloads of complete events. It never fails (no event size limit); what
/// does not fit the format is recorded in `problems` (a malformed stream is a finding, not a crash).
public struct SSEParser: Sendable {
    private var parser = ServerSentEventParser(maxEventBytes: .max)
    /// Format problems noticed so far, in order, at most a handful.
    public var problems: [String] { parser.problems }
    /// How many comment lines (`: ...`) were seen; they are legal keep-alives.
    public var commentCount: Int { parser.commentCount }

    public init() {}

    /// Consumes `bytes` and returns the payloads of the events they completed.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [String] {
        ((try? parser.feed(bytes)) ?? []).map(\.data)
    }

    /// Call at end of stream: returns an event left without its blank line, noting it.
    public mutating func finish() -> [String] {
        parser.finish().map { [$0.data] } ?? []
    }
}

func excerpt(_ text: String, limit: Int = 160) -> String {
    let flat = text.replacingOccurrences(of: "\n", with: "\\n")
    return flat.count > limit ? String(flat.prefix(limit)) + "…" : flat
}
