/// Reads JSON text without building a `JSONValue`: `isValid` accepts exactly the text that
/// `JSONValue.parse` accepts (grammar, escapes, surrogate pairs, control characters, nesting
/// limit; the bytes are taken to be valid UTF-8, as a Swift `String`'s are), and
/// `forEachField` / `forEachElement` walk the members of a value in text already checked.
/// A relay that looks at a few fields of each of a stream's small objects uses it instead of
/// allocating a tree of values per object.
public struct JSONTextScanner {
    public let bytes: UnsafeBufferPointer<UInt8>

    public init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    // MARK: Checking

    /// Whether the text is one JSON value, with whitespace around it at most.
    public func isValid(maxDepth: Int = 512) -> Bool {
        var position = skipSpace(from: 0)
        guard checkValue(&position, depth: 0, maxDepth: maxDepth) else { return false }
        return skipSpace(from: position) == bytes.count
    }

    private func checkValue(_ position: inout Int, depth: Int, maxDepth: Int) -> Bool {
        guard depth <= maxDepth, position < bytes.count else { return false }
        switch bytes[position] {
        case UInt8(ascii: "{"): return checkObject(&position, depth: depth, maxDepth: maxDepth)
        case UInt8(ascii: "["): return checkArray(&position, depth: depth, maxDepth: maxDepth)
        case UInt8(ascii: "\""): return checkString(&position)
        case UInt8(ascii: "t"): return checkLiteral(&position, "true")
        case UInt8(ascii: "f"): return checkLiteral(&position, "false")
        case UInt8(ascii: "n"): return checkLiteral(&position, "null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return checkNumber(&position)
        default: return false
        }
    }

    private func checkLiteral(_ position: inout Int, _ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard position + count <= bytes.count else { return false }
        let matches = literal.withUTF8Buffer { expected in
            expected.elementsEqual(bytes[position..<(position + count)])
        }
        position += count
        return matches
    }

    private func checkObject(_ position: inout Int, depth: Int, maxDepth: Int) -> Bool {
        position += 1
        position = skipSpace(from: position)
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
            position += 1
            return true
        }
        while true {
            position = skipSpace(from: position)
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\""), checkString(&position) else { return false }
            position = skipSpace(from: position)
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { return false }
            position = skipSpace(from: position + 1)
            guard checkValue(&position, depth: depth + 1, maxDepth: maxDepth) else { return false }
            position = skipSpace(from: position)
            guard position < bytes.count else { return false }
            switch bytes[position] {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"):
                position += 1
                return true
            default: return false
            }
        }
    }

    private func checkArray(_ position: inout Int, depth: Int, maxDepth: Int) -> Bool {
        position += 1
        position = skipSpace(from: position)
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
            position += 1
            return true
        }
        while true {
            position = skipSpace(from: position)
            guard checkValue(&position, depth: depth + 1, maxDepth: maxDepth) else { return false }
            position = skipSpace(from: position)
            guard position < bytes.count else { return false }
            switch bytes[position] {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"):
                position += 1
                return true
            default: return false
            }
        }
    }

    private func checkNumber(_ position: inout Int) -> Bool {
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        guard position < bytes.count, isDigit(bytes[position]) else { return false }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
        } else {
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard position < bytes.count, isDigit(bytes[position]) else { return false }
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
            guard position < bytes.count, isDigit(bytes[position]) else { return false }
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }
        return true
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    /// A string from its opening quote: escapes as the parser takes them (a `\u` high
    /// surrogate needs an escaped low one after it), no raw control characters.
    private func checkString(_ position: inout Int) -> Bool {
        position += 1
        while position < bytes.count {
            switch bytes[position] {
            case UInt8(ascii: "\""):
                position += 1
                return true
            case UInt8(ascii: "\\"):
                position += 1
                guard position < bytes.count else { return false }
                let escape = bytes[position]
                position += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                    UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    continue
                case UInt8(ascii: "u"):
                    guard let scalar = hex4(&position) else { return false }
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u")
                        else { return false }
                        position += 2
                        guard let low = hex4(&position), (0xDC00..<0xE000).contains(low) else { return false }
                    } else if (0xDC00..<0xE000).contains(scalar) {
                        return false
                    }
                default: return false
                }
            case 0x00..<0x20: return false
            default: position += 1
            }
        }
        return false
    }

    private func hex4(_ position: inout Int) -> UInt32? {
        guard position + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let digit = JSONHexDigit.value(bytes[position]) else { return nil }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    // MARK: Walking checked text

    /// The value that starts at `start` (after any whitespace): where it starts and ends.
    public func value(at start: Int) -> Range<Int> {
        let first = skipSpace(from: start)
        return first..<skipValue(from: first)
    }

    /// Calls `body` with each field of the object whose `{` is at `start`, in order: the key's
    /// range (quotes included) and the value's. Only for checked text.
    public func forEachField(ofObjectAt start: Int, _ body: (_ key: Range<Int>, _ value: Range<Int>) -> Void) {
        var position = start + 1
        while true {
            position = skipSpace(from: position)
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { return }
            let keyStart = position
            position = skipString(from: position)
            let key = keyStart..<position
            position = skipSpace(from: position) + 1  // the colon
            let value = self.value(at: position)
            body(key, value)
            position = skipSpace(from: value.upperBound)
            guard position < bytes.count, bytes[position] == UInt8(ascii: ",") else { return }
            position += 1
        }
    }

    /// Calls `body` with the range of each element of the array whose `[` is at `start`. Only
    /// for checked text.
    public func forEachElement(ofArrayAt start: Int, _ body: (_ element: Range<Int>) -> Void) {
        var position = skipSpace(from: start + 1)
        guard position < bytes.count, bytes[position] != UInt8(ascii: "]") else { return }
        while true {
            let element = value(at: position)
            body(element)
            position = skipSpace(from: element.upperBound)
            guard position < bytes.count, bytes[position] == UInt8(ascii: ",") else { return }
            position += 1
        }
    }

    /// Whether the text in `range` is exactly `expected`.
    public func text(_ range: Range<Int>, equals expected: UnsafeBufferPointer<UInt8>) -> Bool {
        guard range.count == expected.count else { return false }
        var index = range.lowerBound
        for byte in expected {
            if bytes[index] != byte { return false }
            index += 1
        }
        return true
    }

    /// Whether the text in `range` is exactly `expected`.
    public func text(_ range: Range<Int>, equals expected: [UInt8]) -> Bool {
        expected.withUnsafeBufferPointer { text(range, equals: $0) }
    }

    /// Whether the text in `range` is exactly `expected`.
    public func text(_ range: Range<Int>, equals expected: StaticString) -> Bool {
        expected.withUTF8Buffer { text(range, equals: $0) }
    }

    private func skipSpace(from start: Int) -> Int {
        var position = start
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return position
            }
        }
        return position
    }

    /// The end of the string whose opening quote is at `start`.
    private func skipString(from start: Int) -> Int {
        var position = start + 1
        while position < bytes.count {
            switch bytes[position] {
            case UInt8(ascii: "\\"): position += 2
            case UInt8(ascii: "\""): return position + 1
            default: position += 1
            }
        }
        return position
    }

    /// The end of the value that starts at `start`.
    private func skipValue(from start: Int) -> Int {
        guard start < bytes.count else { return start }
        switch bytes[start] {
        case UInt8(ascii: "\""): return skipString(from: start)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            var position = start
            while position < bytes.count {
                switch bytes[position] {
                case UInt8(ascii: "\""):
                    position = skipString(from: position)
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return position + 1 }
                default: break
                }
                position += 1
            }
            return position
        default:
            var position = start
            while position < bytes.count {
                switch bytes[position] {
                case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x0A, 0x0D, 0x09: return position
                default: position += 1
                }
            }
            return position
        }
    }
}
