/// A JSON object kept as the text a client sent, with top-level fields replaced or added in
/// place: a gateway that only renames the model forwards every other byte as it came instead
/// of re-encoding the whole body. Built only from text that already parsed as an object;
/// `nil` for text it does not handle (escaped or repeated top-level keys), so callers fall
/// back to encoding the parsed object.
public struct JSONObjectText: Sendable {
    public private(set) var bytes: [UInt8]
    /// Each top-level key, where its quoted name starts and the byte range of its value, in order.
    private var fields: [Field]

    private struct Field: Sendable {
        var key: String
        var start: Int
        var value: Range<Int>
    }

    public init?(_ text: some Collection<UInt8>) {
        bytes = Array(text)
        var scanner = Scanner(bytes: bytes)
        guard let fields = scanner.topLevelFields() else { return nil }
        let keys = Set(fields.map(\.key))
        guard keys.count == fields.count else { return nil }  // a repeated key: which one counts is the parser's business
        self.fields = fields
    }

    /// The raw text of `key`'s value, if present.
    public func valueText(_ key: String) -> ArraySlice<UInt8>? {
        fields.first { $0.key == key }.map { bytes[$0.value] }
    }

    /// Sets `key` to `value`: in place where it is present, appended before the closing brace otherwise.
    public mutating func set(_ key: String, to value: JSONValue) {
        let text = Array(value.jsonString.utf8)
        if let index = fields.firstIndex(where: { $0.key == key }) {
            let range = fields[index].value
            bytes.replaceSubrange(range, with: text)
            fields[index].value = range.lowerBound..<(range.lowerBound + text.count)
            shiftFields(after: index, by: text.count - range.count)
            return
        }
        guard let close = bytes.lastIndex(of: UInt8(ascii: "}")) else { return }
        var addition: [UInt8] = fields.isEmpty ? [] : [UInt8(ascii: ",")]
        var keyText = ""
        JSONValue.writeString(key, to: &keyText)
        addition += Array(keyText.utf8) + [UInt8(ascii: ":")]
        let start = close + addition.count
        addition += text
        bytes.insert(contentsOf: addition, at: close)
        fields.append(Field(key: key, start: close + (fields.isEmpty ? 0 : 1), value: start..<(start + text.count)))
    }

    /// Removes `key` and its value (with the comma that separated it), if present.
    public mutating func remove(_ key: String) {
        guard let index = fields.firstIndex(where: { $0.key == key }) else { return }
        let removed: Range<Int> =
            if index > 0 {
                fields[index - 1].value.upperBound..<fields[index].value.upperBound  // ", "key": value"
            } else if fields.count > 1 {
                fields[0].start..<fields[1].start  // ""key": value, "
            } else {
                fields[0].start..<fields[0].value.upperBound
            }
        bytes.removeSubrange(removed)
        fields.remove(at: index)
        for later in fields.indices where fields[later].start >= removed.upperBound {
            fields[later].start -= removed.count
            fields[later].value = (fields[later].value.lowerBound - removed.count)..<(fields[later].value.upperBound - removed.count)
        }
    }

    private mutating func shiftFields(after index: Int, by shift: Int) {
        for later in fields.indices where later > index {
            fields[later].start += shift
            fields[later].value = (fields[later].value.lowerBound + shift)..<(fields[later].value.upperBound + shift)
        }
    }

    /// Finds the top-level fields of valid JSON object text.
    private struct Scanner {
        let bytes: [UInt8]
        var index = 0

        init(bytes: [UInt8]) {
            self.bytes = bytes
        }

        mutating func topLevelFields() -> [Field]? {
            skipSpace()
            guard take(UInt8(ascii: "{")) else { return nil }
            var fields: [Field] = []
            skipSpace()
            if take(UInt8(ascii: "}")) { return fields }
            while true {
                skipSpace()
                let keyStart = index
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\""), let keyRange = skipString() else { return nil }
                let keyBytes = bytes[(keyRange.lowerBound + 1)..<(keyRange.upperBound - 1)]
                if keyBytes.contains(UInt8(ascii: "\\")) { return nil }
                skipSpace()
                guard take(UInt8(ascii: ":")) else { return nil }
                skipSpace()
                let start = index
                guard skipValue() else { return nil }
                fields.append(Field(key: String(decoding: keyBytes, as: UTF8.self), start: keyStart, value: start..<index))
                skipSpace()
                if take(UInt8(ascii: ",")) { continue }
                return take(UInt8(ascii: "}")) ? fields : nil
            }
        }

        private mutating func take(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        private mutating func skipSpace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        /// Skips a string starting at `index` (its opening quote); returns its range, quotes included.
        private mutating func skipString() -> Range<Int>? {
            let start = index
            index += 1
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\\"): index += 2
                case UInt8(ascii: "\""):
                    index += 1
                    return start..<index
                default: index += 1
                }
            }
            return nil
        }

        /// Skips one value: a string, or anything else up to the delimiter that closes it.
        private mutating func skipValue() -> Bool {
            guard index < bytes.count else { return false }
            if bytes[index] == UInt8(ascii: "\"") { return skipString() != nil }
            var depth = 0
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\""):
                    guard skipString() != nil else { return false }
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    if depth == 0 { return true }
                    depth -= 1
                    if depth == 0 {
                        index += 1
                        return true
                    }
                case UInt8(ascii: ","), 0x20, 0x09, 0x0A, 0x0D:
                    if depth == 0 { return true }
                default: break
                }
                index += 1
            }
            return depth == 0
        }
    }
}
