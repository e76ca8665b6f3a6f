/// Splits template source into tokens the way jinja2's lexer does with `trim_blocks` and
/// `lstrip_blocks` on: newlines normalised to `\n`, one trailing newline dropped, comments
/// removed, `{% raw %}` bodies kept verbatim, and the whitespace rules of `-`/`+` markers.
struct Lexer {
    private let source: [Unicode.Scalar]
    private let lineStarts: [Int]
    private var tokens: [Token] = []
    private var lineStarting = true

    static let maxSourceScalars = 1 << 20

    init(_ text: String) {
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(text.unicodeScalars.count)
        var previousWasCR = false
        for scalar in text.unicodeScalars {
            if scalar == "\r" {
                scalars.append("\n")
                previousWasCR = true
                continue
            }
            if scalar == "\n" && previousWasCR {
                previousWasCR = false
                continue
            }
            previousWasCR = false
            scalars.append(scalar)
        }
        // jinja2 (keep_trailing_newline=False) drops a single trailing newline.
        if scalars.last == "\n" { scalars.removeLast() }
        source = scalars
        var starts = [0]
        for (index, scalar) in scalars.enumerated() where scalar == "\n" { starts.append(index + 1) }
        lineStarts = starts
    }

    func position(_ index: Int) -> SourcePosition {
        var low = 0
        var high = lineStarts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if lineStarts[mid] <= index { low = mid } else { high = mid - 1 }
        }
        return SourcePosition(line: low + 1, column: index - lineStarts[low] + 1)
    }

    private func fail(_ message: String, at index: Int) -> TemplateError {
        let position = position(index)
        return TemplateError(.syntax, message, line: position.line, column: position.column)
    }

    private func at(_ index: Int) -> Unicode.Scalar? { index < source.count ? source[index] : nil }

    private func matches(_ text: String, at index: Int) -> Bool {
        var cursor = index
        for scalar in text.unicodeScalars {
            guard at(cursor) == scalar else { return false }
            cursor += 1
        }
        return true
    }

    private func skipWhitespace(from index: Int) -> Int {
        var cursor = index
        while let scalar = at(cursor), scalar.isPythonWhitespace { cursor += 1 }
        return cursor
    }

    /// Tokenizes the whole source.
    mutating func tokenize() throws(TemplateError) -> [Token] {
        if source.count > Self.maxSourceScalars {
            throw TemplateError(.limit, "template source is larger than \(Self.maxSourceScalars) characters")
        }
        var pos = 0
        while pos < source.count {
            guard let tagStart = nextTag(from: pos) else {
                emitText(Array(source[pos...]), at: pos)
                break
            }
            let opener = source[tagStart + 1]
            var afterOpener = tagStart + 2
            var sign: Unicode.Scalar?
            if let scalar = at(afterOpener), scalar == "-" || scalar == "+" {
                sign = scalar
                afterOpener += 1
            }
            var text = Array(source[pos..<tagStart])
            applyStrip(&text, sign: sign, isVariable: opener == "{")
            emitText(text, at: pos)
            switch opener {
            case "#":
                pos = try lexComment(from: afterOpener, start: tagStart)
            case "%":
                if let rawEnd = rawBegin(at: afterOpener) {
                    pos = try lexRaw(from: rawEnd, start: tagStart)
                } else {
                    tokens.append(Token(kind: .blockBegin, position: position(tagStart)))
                    pos = try lexTag(from: afterOpener, isBlock: true)
                }
            default:
                tokens.append(Token(kind: .variableBegin, position: position(tagStart)))
                pos = try lexTag(from: afterOpener, isBlock: false)
            }
        }
        tokens.append(Token(kind: .end, position: position(source.count)))
        return tokens
    }

    private func nextTag(from index: Int) -> Int? {
        var cursor = index
        while cursor + 1 < source.count {
            if source[cursor] == "{" {
                let next = source[cursor + 1]
                if next == "{" || next == "%" || next == "#" { return cursor }
            }
            cursor += 1
        }
        return nil
    }

    /// `{%-` strips all whitespace before the tag; otherwise lstrip_blocks strips the
    /// spaces between the start of the line and a block or comment tag.
    private func applyStrip(_ text: inout [Unicode.Scalar], sign: Unicode.Scalar?, isVariable: Bool) {
        if sign == "-" {
            while let last = text.last, last.isPythonWhitespace { text.removeLast() }
            return
        }
        guard sign != "+", !isVariable else { return }
        let lineStart = (text.lastIndex(of: "\n") ?? -1) + 1
        guard lineStart > 0 || lineStarting else { return }
        let tail = text[lineStart...]
        if !tail.isEmpty && tail.allSatisfy(\.isPythonWhitespace) {
            text.removeSubrange(lineStart...)
        }
    }

    private mutating func emitText(_ text: [Unicode.Scalar], at index: Int) {
        guard !text.isEmpty else { return }
        var string = String.UnicodeScalarView()
        string.append(contentsOf: text)
        tokens.append(Token(kind: .text(String(string)), position: position(index)))
    }

    private mutating func lexComment(from index: Int, start: Int) throws(TemplateError) -> Int {
        var cursor = index
        while cursor < source.count {
            if matches("+#}", at: cursor) {
                lineStarting = false
                return cursor + 3
            }
            if matches("-#}", at: cursor) {
                return finishEnd(skipWhitespace(from: cursor + 3))
            }
            if matches("#}", at: cursor) {
                var end = cursor + 2
                if at(end) == "\n" { end += 1 }
                return finishEnd(end)
            }
            cursor += 1
        }
        throw fail("Missing end of comment tag", at: start)
    }

    private mutating func finishEnd(_ end: Int) -> Int {
        lineStarting = end > 0 && source[end - 1] == "\n"
        return end
    }

    /// The index after `raw %}` (or `raw -%}` and its trailing whitespace), if the block
    /// starting before `index` is a raw block.
    private func rawBegin(at index: Int) -> Int? {
        var cursor = skipWhitespace(from: index)
        guard matches("raw", at: cursor) else { return nil }
        cursor = skipWhitespace(from: cursor + 3)
        if matches("-%}", at: cursor) { return skipWhitespace(from: cursor + 3) }
        if matches("%}", at: cursor) { return cursor + 2 }
        return nil
    }

    private mutating func lexRaw(from index: Int, start: Int) throws(TemplateError) -> Int {
        lineStarting = false
        var cursor = index
        while cursor < source.count {
            if matches("{%", at: cursor) {
                var inner = cursor + 2
                var sign: Unicode.Scalar?
                if let scalar = at(inner), scalar == "-" || scalar == "+" {
                    sign = scalar
                    inner += 1
                }
                inner = skipWhitespace(from: inner)
                if matches("endraw", at: inner) {
                    inner = skipWhitespace(from: inner + 6)
                    var end: Int?
                    if matches("+%}", at: inner) {
                        end = inner + 3
                    } else if matches("-%}", at: inner) {
                        end = skipWhitespace(from: inner + 3)
                    } else if matches("%}", at: inner) {
                        end = inner + 2 + (at(inner + 2) == "\n" ? 1 : 0)
                    }
                    if let end {
                        var text = Array(source[index..<cursor])
                        applyStrip(&text, sign: sign, isVariable: false)
                        emitText(text, at: index)
                        return finishEnd(end)
                    }
                }
            }
            cursor += 1
        }
        throw fail("Missing end of raw directive", at: start)
    }

    private static let operators = ["//", "**", "==", "!=", ">=", "<=", "+", "-", "/", "*", "%", "~", "[", "]",
                                    "(", ")", "{", "}", ">", "<", "=", ".", ":", "|", ",", ";"]

    /// Lexes the inside of `{{ }}` or `{% %}` up to and including its end delimiter.
    private mutating func lexTag(from index: Int, isBlock: Bool) throws(TemplateError) -> Int {
        var cursor = index
        var brackets: [Unicode.Scalar] = []
        while true {
            guard let scalar = at(cursor) else {
                throw fail(isBlock ? "unexpected end of template, expected '%}'" : "unexpected end of template, expected '}}'", at: cursor)
            }
            if brackets.isEmpty, let end = tagEnd(at: cursor, isBlock: isBlock) {
                tokens.append(Token(kind: isBlock ? .blockEnd : .variableEnd, position: position(cursor)))
                return finishEnd(end)
            }
            if scalar.isPythonWhitespace {
                cursor += 1
                continue
            }
            let start = cursor
            if scalar.isASCIIDigit, let (token, end) = try lexNumber(at: cursor) {
                tokens.append(Token(kind: token, position: position(start)))
                cursor = end
                continue
            }
            if scalar == "_" || scalar.properties.isXIDStart {
                var end = cursor + 1
                while let next = at(end), next == "_" || next.properties.isXIDContinue { end += 1 }
                tokens.append(Token(kind: .name(string(start..<end)), position: position(start)))
                cursor = end
                continue
            }
            if scalar == "'" || scalar == "\"" {
                let (value, end) = try lexString(at: cursor)
                tokens.append(Token(kind: .string(value), position: position(start)))
                cursor = end
                continue
            }
            guard let op = Self.operators.first(where: { matches($0, at: cursor) }) else {
                throw fail("unexpected char '\(Character(scalar))'", at: cursor)
            }
            switch op {
            case "{": brackets.append("}")
            case "(": brackets.append(")")
            case "[": brackets.append("]")
            case "}", ")", "]":
                guard let expected = brackets.popLast() else { throw fail("unexpected '\(op)'", at: cursor) }
                if String(expected) != op { throw fail("unexpected '\(op)', expected '\(expected)'", at: cursor) }
            default: break
            }
            tokens.append(Token(kind: .op(op), position: position(start)))
            cursor += op.unicodeScalars.count
        }
    }

    private func tagEnd(at index: Int, isBlock: Bool) -> Int? {
        if isBlock {
            if matches("+%}", at: index) { return index + 3 }
            if matches("-%}", at: index) { return skipWhitespace(from: index + 3) }
            if matches("%}", at: index) { return index + 2 + (at(index + 2) == "\n" ? 1 : 0) }
            return nil
        }
        if matches("-}}", at: index) { return skipWhitespace(from: index + 3) }
        if matches("}}", at: index) { return index + 2 }
        return nil
    }

    private func string(_ range: Range<Int>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: source[range])
        return String(view)
    }

    private func digits(from index: Int, allow: (Unicode.Scalar) -> Bool) -> Int {
        // Digits optionally separated by single underscores, as Python literals allow.
        var cursor = index
        guard let first = at(cursor), allow(first) else { return index }
        cursor += 1
        while true {
            if let next = at(cursor), allow(next) {
                cursor += 1
            } else if at(cursor) == "_", let next = at(cursor + 1), allow(next) {
                cursor += 2
            } else {
                return cursor
            }
        }
    }

    private func lexNumber(at index: Int) throws(TemplateError) -> (Token.Kind, Int)? {
        let isDigit: (Unicode.Scalar) -> Bool = { $0.isASCIIDigit }
        // Float first, as jinja2 does (not directly after a dot).
        if index == 0 || source[index - 1] != "." {
            let intEnd = digits(from: index, allow: isDigit)
            var cursor = intEnd
            var isFloat = false
            if at(cursor) == ".", let next = at(cursor + 1), next.isASCIIDigit {
                cursor = digits(from: cursor + 1, allow: isDigit)
                isFloat = true
            }
            if let e = at(cursor), e == "e" || e == "E" {
                var expStart = cursor + 1
                if let sign = at(expStart), sign == "+" || sign == "-" { expStart += 1 }
                let expEnd = digits(from: expStart, allow: isDigit)
                if expEnd > expStart {
                    cursor = expEnd
                    isFloat = true
                }
            }
            if isFloat {
                let text = string(index..<cursor).filter { $0 != "_" }
                guard let value = Double(text) else { throw fail("invalid number '\(text)'", at: index) }
                return (.float(value), cursor)
            }
        }
        let lower = { (s: Unicode.Scalar) in Unicode.Scalar(s.value | 0x20) ?? s }
        if source[index] == "0", let prefix = at(index + 1).map(lower), prefix == "b" || prefix == "o" || prefix == "x" {
            let radix = prefix == "b" ? 2 : prefix == "o" ? 8 : 16
            let allow: (Unicode.Scalar) -> Bool = { $0.isASCII && Int(String($0), radix: radix) != nil }
            var start = index + 2
            if at(start) == "_" { start += 1 }
            let end = digits(from: start, allow: allow)
            if end > start {
                let text = string(start..<end).filter { $0 != "_" }
                guard let value = Int(text, radix: radix) else { throw fail("integer literal too large", at: index) }
                return (.integer(value), end)
            }
        }
        if source[index] == "0" {
            let end = digits(from: index, allow: { $0 == "0" })
            return (.integer(0), end)
        }
        let end = digits(from: index, allow: isDigit)
        let text = string(index..<end).filter { $0 != "_" }
        guard let value = Int(text) else { throw fail("integer literal too large", at: index) }
        return (.integer(value), end)
    }

    /// A quoted string with Python's escapes (`unicode-escape`): `\n`, `\t`, `\xNN`, `\uNNNN`…
    private func lexString(at index: Int) throws(TemplateError) -> (String, Int) {
        let quote = source[index]
        var cursor = index + 1
        var out = String.UnicodeScalarView()
        while true {
            guard let scalar = at(cursor) else { throw fail("unterminated string literal", at: index) }
            if scalar == quote { return (String(out), cursor + 1) }
            if scalar != "\\" {
                out.append(scalar)
                cursor += 1
                continue
            }
            guard let escaped = at(cursor + 1) else { throw fail("unterminated string literal", at: index) }
            cursor += 2
            switch escaped {
            case "\n": break
            case "\\": out.append("\\")
            case "'": out.append("'")
            case "\"": out.append("\"")
            case "a": out.append("\u{07}")
            case "b": out.append("\u{08}")
            case "f": out.append("\u{0C}")
            case "n": out.append("\n")
            case "r": out.append("\r")
            case "t": out.append("\t")
            case "v": out.append("\u{0B}")
            case "0"..."7":
                var value = escaped.value - 48
                var count = 1
                while count < 3, let next = at(cursor), ("0"..."7").contains(next) {
                    value = value * 8 + next.value - 48
                    cursor += 1
                    count += 1
                }
                guard let result = Unicode.Scalar(value) else { throw fail("invalid octal escape", at: cursor) }
                out.append(result)
            case "x", "u", "U":
                let width = escaped == "x" ? 2 : escaped == "u" ? 4 : 8
                guard cursor + width <= source.count,
                      let value = UInt32(string(cursor..<(cursor + width)), radix: 16),
                      let result = Unicode.Scalar(value)
                else { throw fail("truncated \\\(escaped) escape in string literal", at: cursor - 2) }
                out.append(result)
                cursor += width
            default:
                // Python keeps unknown escapes as they are.
                out.append("\\")
                out.append(escaped)
            }
        }
    }
}

extension Unicode.Scalar {
    /// Python's `str.isspace()`: Unicode White_Space plus the separators U+001C–U+001F.
    var isPythonWhitespace: Bool {
        if value < 0x80 { return value == 0x20 || (0x09...0x0D).contains(value) || (0x1C...0x1F).contains(value) }
        return properties.isWhitespace
    }

    var isASCIIDigit: Bool { value >= 48 && value <= 57 }
}
