/// An incremental Server-Sent Events reader (the gateway's upstream streams and the migration
/// kit's client share it): feed it bytes as they arrive and get back each event as soon as its
/// blank line is seen. Lines may end in `\n`, `\r\n` or `\r` (even split across feeds); several
/// `data:` lines join with `\n`; comment lines (`: ...`) are counted and skipped. What does not
/// fit the format is noted in `problems` (a handful at most), never fatal; only an event larger
/// than the limit throws.
public struct ServerSentEventParser: Sendable {
    /// One complete event: its `event:` name, if any, and its joined `data`.
    public struct Event: Equatable, Sendable {
        public var name: String?
        public var data: String

        public init(name: String? = nil, data: String) {
            self.name = name
            self.data = data
        }
    }

    /// An event grew past the size limit without its blank line.
    public struct Overflow: Error {}

    private var line: [UInt8] = []
    private var data: [UInt8] = []
    private var hasData = false
    private var name: String?
    private var afterCarriageReturn = false
    private let maxEventBytes: Int
    /// Format problems noticed so far, in order, at most a handful.
    public private(set) var problems: [String] = []
    /// How many comment lines (`: ...`) were seen; they are legal keep-alives.
    public private(set) var commentCount = 0

    public init(maxEventBytes: Int = 16 << 20) {
        self.maxEventBytes = maxEventBytes
    }

    /// Consumes `bytes` and returns the events they completed, in order.
    public mutating func feed(_ bytes: some Sequence<UInt8>) throws(Overflow) -> [Event] {
        // One copy into contiguous bytes, then a loop the compiler specializes, instead of a
        // generic iterator call per byte.
        try feed(contiguous: Array(bytes))
    }

    private mutating func feed(contiguous chunk: [UInt8]) throws(Overflow) -> [Event] {
        var events: [Event] = []
        var index = 0
        let count = chunk.count
        while index < count {
            if afterCarriageReturn {
                afterCarriageReturn = false
                if chunk[index] == 0x0A {  // the second half of "\r\n"
                    index += 1
                    continue
                }
            }
            var end = index
            while end < count, chunk[end] != 0x0A, chunk[end] != 0x0D { end += 1 }
            line.append(contentsOf: chunk[index..<end])
            if line.count + data.count > maxEventBytes { throw Overflow() }
            guard end < count else { break }
            afterCarriageReturn = chunk[end] == 0x0D
            if let event = endLine() { events.append(event) }
            index = end + 1
        }
        return events
    }

    /// Call when the body ends: an event whose blank line never came, if one was under way.
    public mutating func finish() -> Event? {
        var event: Event?
        if !line.isEmpty {
            note("stream ended in the middle of a line: '\(Self.excerpt(line))'")
            event = endLine()
        }
        if event == nil, hasData {
            note("last event was not terminated by a blank line")
            event = dispatch()
        }
        return event
    }

    private mutating func endLine() -> Event? {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty { return hasData ? dispatch() : reset() }
        if line.first == UInt8(ascii: ":") {
            commentCount += 1
            return nil
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
            note("line without a field name: '\(Self.excerpt(line))'")
            return nil
        }
        let field = line[..<colon]
        var value = line[(colon + 1)...]
        if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
        if field.elementsEqual("data".utf8) {
            if hasData { data.append(0x0A) }
            data.append(contentsOf: value)
            hasData = true
        } else if field.elementsEqual("event".utf8) {
            name = String(decoding: value, as: UTF8.self)
        } else if !field.elementsEqual("id".utf8), !field.elementsEqual("retry".utf8) {
            note("unknown SSE field '\(String(decoding: field, as: UTF8.self))'")
        }
        return nil
    }

    private mutating func dispatch() -> Event? {
        let event = Event(name: name, data: String(decoding: data, as: UTF8.self))
        _ = reset()
        return event
    }

    private mutating func reset() -> Event? {
        data.removeAll(keepingCapacity: true)
        hasData = false
        name = nil
        return nil
    }

    private mutating func note(_ problem: String) {
        if problems.count < 8 { problems.append(problem) }
    }

    private static func excerpt(_ bytes: [UInt8], limit: Int = 160) -> String {
        let text = String(decoding: bytes.prefix(limit * 4), as: UTF8.self)
        return text.count > limit ? String(text.prefix(limit)) + "…" : text
    }
}
