/// An incremental Server-Sent Events reader: feed it bytes as they arrive and get back each
/// event as soon as its blank line is seen. Lines may end in `\n`, `\r\n` or `\r` (even split
/// across feeds); several `data:` lines join with `\n`; comment lines (`: ...`) are skipped.
struct UpstreamEventParser {
    /// One complete event: its `event:` name, if any, and its joined `data`.
    struct Event: Equatable {
        var name: String?
        var data: String
    }

    /// An event grew past the size limit without its blank line.
    struct Overflow: Error {}

    private var line: [UInt8] = []
    private var data: [UInt8] = []
    private var hasData = false
    private var name: String?
    private var afterCarriageReturn = false
    private let maxEventBytes: Int

    init(maxEventBytes: Int = 16 << 20) {
        self.maxEventBytes = maxEventBytes
    }

    /// Consumes `bytes` and returns the events they completed, in order.
    mutating func feed(_ bytes: some Sequence<UInt8>) throws(Overflow) -> [Event] {
        var events: [Event] = []
        for byte in bytes {
            switch byte {
            case 0x0A where afterCarriageReturn:
                afterCarriageReturn = false  // the second half of "\r\n"
            case 0x0A, 0x0D:
                afterCarriageReturn = byte == 0x0D
                if let event = endLine() { events.append(event) }
            default:
                afterCarriageReturn = false
                line.append(byte)
                if line.count + data.count > maxEventBytes { throw Overflow() }
            }
        }
        return events
    }

    /// Call when the body ends: an event whose blank line never came, if one was under way.
    mutating func finish() -> Event? {
        var event: Event?
        if !line.isEmpty { event = endLine() }
        if event == nil, hasData { event = dispatch() }
        return event
    }

    private mutating func endLine() -> Event? {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty { return hasData ? dispatch() : reset() }
        if line.first == UInt8(ascii: ":") { return nil }
        let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.endIndex
        let field = line[..<colon]
        var value = colon < line.endIndex ? line[(colon + 1)...] : line[line.endIndex...]
        if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
        if field.elementsEqual("data".utf8) {
            if hasData { data.append(0x0A) }
            data.append(contentsOf: value)
            hasData = true
        } else if field.elementsEqual("event".utf8) {
            name = String(decoding: value, as: UTF8.self)
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
}
