import Foundation

/// An incremental Server-Sent Events reader: feed it bytes as they arrive, get back the
/// `data` payloads of complete events. It never fails; what does not fit the format is
/// recorded in `problems` (a malformed stream is a finding, not a crash).
public struct SSEParser: Sendable {
    private var buffer: [UInt8] = []
    private var dataLines: [String] = []
    /// Format problems noticed so far, in order, at most a handful.
    public private(set) var problems: [String] = []
    /// How many comment lines (`: ...`) were seen; they are legal keep-alives.
    public private(set) var commentCount = 0

    public init() {}

    /// Consumes `bytes` and returns the payloads of the events they completed.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [String] {
        buffer.append(contentsOf: bytes)
        var events: [String] = []
        var lineStart = 0
        var index = 0
        while index < buffer.count {
            if buffer[index] == 0x0A {
                var lineEnd = index
                if lineEnd > lineStart, buffer[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                let line = String(decoding: buffer[lineStart..<lineEnd], as: UTF8.self)
                if let event = take(line: line) { events.append(event) }
                lineStart = index + 1
            }
            index += 1
        }
        buffer.removeFirst(lineStart)
        return events
    }

    /// Call at end of stream: returns an event left without its blank line, noting it.
    public mutating func finish() -> [String] {
        var events: [String] = []
        if !buffer.isEmpty {
            let line = String(decoding: buffer, as: UTF8.self)
            buffer.removeAll()
            note("stream ended in the middle of a line: '\(excerpt(line))'")
            if let event = take(line: line) { events.append(event) }
        }
        if !dataLines.isEmpty {
            note("last event was not terminated by a blank line")
            events.append(dataLines.joined(separator: "\n"))
            dataLines.removeAll()
        }
        return events
    }

    private mutating func take(line: String) -> String? {
        if line.isEmpty {
            guard !dataLines.isEmpty else { return nil }
            defer { dataLines.removeAll() }
            return dataLines.joined(separator: "\n")
        }
        if line.hasPrefix(":") {
            commentCount += 1
            return nil
        }
        guard let colon = line.firstIndex(of: ":") else {
            note("line without a field name: '\(excerpt(line))'")
            return nil
        }
        let field = line[..<colon]
        var value = line[line.index(after: colon)...]
        if value.hasPrefix(" ") { value = value.dropFirst() }
        switch field {
        case "data": dataLines.append(String(value))
        case "event", "id", "retry": break
        default: note("unknown SSE field '\(field)'")
        }
        return nil
    }

    private mutating func note(_ problem: String) {
        if problems.count < 8 { problems.append(problem) }
    }
}

func excerpt(_ text: String, limit: Int = 160) -> String {
    let flat = text.replacingOccurrences(of: "\n", with: "\\n")
    return flat.count > limit ? String(flat.prefix(limit)) + "…" : flat
}
