/// Python's printing, equality and ordering rules, which jinja2 inherits.
extension Value {
    /// `str(value)`: what `{{ value }}` prints.
    func pythonString() -> String {
        switch self {
        case .undefined: return ""
        case .string(let s): return s
        default:
            var out = ""
            writeRepr(into: &out, depth: 0)
            return out
        }
    }

    /// `repr(value)`: how a value prints inside a list or dict.
    func pythonRepr() -> String {
        var out = ""
        writeRepr(into: &out, depth: 0)
        return out
    }

    private func writeRepr(into out: inout String, depth: Int) {
        guard depth < Interpreter.maxValueDepth else {
            out += "..."
            return
        }
        switch self {
        case .undefined: out += "Undefined"
        case .none: out += "None"
        case .bool(let b): out += b ? "True" : "False"
        case .int(let i): out += String(i)
        case .double(let d): out += PythonFloat.repr(d)
        case .string(let s): out += PythonString.repr(s)
        case .array(let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += ", " }
                item.writeRepr(into: &out, depth: depth + 1)
            }
            out += "]"
        case .tuple(let items):
            out += "("
            for (index, item) in items.enumerated() {
                if index > 0 { out += ", " }
                item.writeRepr(into: &out, depth: depth + 1)
            }
            out += items.count == 1 ? ",)" : ")"
        case .object(let dict):
            out += "{"
            for (index, (key, value)) in dict.pairs.enumerated() {
                if index > 0 { out += ", " }
                Dict.keyValue(key).writeRepr(into: &out, depth: depth + 1)
                out += ": "
                value.writeRepr(into: &out, depth: depth + 1)
            }
            out += "}"
        case .namespace(let namespace):
            out += "<Namespace "
            Value.object(namespace.attributes).writeRepr(into: &out, depth: depth + 1)
            out += ">"
        case .function(let function): out += "<function \(function.name)>"
        case .iterator(_, let kind): out += "<\(kind) object>"
        }
    }

    /// Python `==`.
    func pythonEquals(_ other: Value, depth: Int = 0) -> Bool {
        if depth > Interpreter.maxValueDepth { return false }
        if let a = numeric, let b = other.numeric {
            if case .int(let x) = a, case .int(let y) = b { return x == y }
            return a.asDouble == b.asDouble
        }
        switch (self, other) {
        case (.undefined, .undefined), (.none, .none): return true
        case (.string(let a), .string(let b)): return a.unicodeScalars.elementsEqual(b.unicodeScalars)
        case (.array(let a), .array(let b)), (.tuple(let a), .tuple(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.pythonEquals($1, depth: depth + 1) }
        case (.object(let a), .object(let b)):
            guard a.count == b.count else { return false }
            for (key, value) in a.pairs {
                guard let otherValue = b[key], value.pythonEquals(otherValue, depth: depth + 1) else { return false }
            }
            return true
        case (.namespace(let a), .namespace(let b)): return a === b
        case (.function(let a), .function(let b)): return a === b
        default: return false
        }
    }

    /// Python `<` (and friends through it); other type pairs are a TypeError.
    func pythonLess(_ other: Value, op: String = "<") throws(TemplateError) -> Bool {
        if let a = numeric, let b = other.numeric {
            if case .int(let x) = a, case .int(let y) = b { return x < y }
            return a.asDouble < b.asDouble
        }
        switch (self, other) {
        case (.string(let a), .string(let b)):
            return a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars)
        case (.array(let a), .array(let b)), (.tuple(let a), .tuple(let b)):
            for (x, y) in zip(a, b) where !x.pythonEquals(y) {
                return try x.pythonLess(y, op: op)
            }
            return a.count < b.count
        case (.undefined, _), (_, .undefined):
            throw TemplateError(.undefined, Value.undefinedMessage(self.isUndefined ? self : other))
        default:
            throw TemplateError(.type, "'\(op)' not supported between instances of '\(typeName)' and '\(other.typeName)'")
        }
    }

    static func undefinedMessage(_ value: Value) -> String {
        if case .undefined(let hint) = value { return hint }
        return "value is undefined"
    }
}

/// Python's `repr(float)`: the shortest round-tripping digits, positional notation for
/// exponents from -4 to 15 (always with a fractional part), scientific otherwise.
enum PythonFloat {
    static func repr(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        if value == 0 { return value.sign == .minus ? "-0.0" : "0.0" }
        // Swift's description is also shortest-round-trip; only the layout differs.
        var text = "\(value.magnitude)"
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: e)...]) ?? 0
            text = String(text[..<e])
        }
        var digits = ""
        var pointOffset = text.count
        for (offset, character) in text.enumerated() {
            if character == "." { pointOffset = offset } else { digits.append(character) }
        }
        // value = 0.digits × 10^(pointOffset + exponent); normalise leading zeros away.
        var decimalPoint = pointOffset + exponent
        while digits.count > 1 && digits.first == "0" {
            digits.removeFirst()
            decimalPoint -= 1
        }
        while digits.count > 1 && digits.last == "0" { digits.removeLast() }
        let scientific = decimalPoint - 1
        let sign = value < 0 ? "-" : ""
        if scientific >= -4 && scientific < 16 {
            if decimalPoint <= 0 {
                return sign + "0." + String(repeating: "0", count: -decimalPoint) + digits
            }
            if digits.count <= decimalPoint {
                return sign + digits + String(repeating: "0", count: decimalPoint - digits.count) + ".0"
            }
            let split = digits.index(digits.startIndex, offsetBy: decimalPoint)
            return sign + digits[..<split] + "." + digits[split...]
        }
        var mantissa = String(digits.prefix(1))
        if digits.count > 1 { mantissa += "." + digits.dropFirst() }
        let magnitude = abs(scientific)
        let exponentText = (magnitude < 10 ? "0" : "") + String(magnitude)
        return sign + mantissa + "e" + (scientific < 0 ? "-" : "+") + exponentText
    }
}

/// Python's `repr(str)` and `str.isprintable()`.
enum PythonString {
    static func repr(_ string: String) -> String {
        let hasSingle = string.unicodeScalars.contains("'")
        let hasDouble = string.unicodeScalars.contains("\"")
        let quote: Unicode.Scalar = hasSingle && !hasDouble ? "\"" : "'"
        var out = String.UnicodeScalarView()
        out.append(quote)
        for scalar in string.unicodeScalars {
            switch scalar {
            case quote, "\\":
                out.append("\\")
                out.append(scalar)
            case "\t": out.append(contentsOf: "\\t".unicodeScalars)
            case "\n": out.append(contentsOf: "\\n".unicodeScalars)
            case "\r": out.append(contentsOf: "\\r".unicodeScalars)
            default:
                if isPrintable(scalar) {
                    out.append(scalar)
                } else {
                    let hex = String(scalar.value, radix: 16)
                    let (prefix, width) = scalar.value < 0x100 ? ("\\x", 2) : scalar.value < 0x10000 ? ("\\u", 4) : ("\\U", 8)
                    out.append(contentsOf: (prefix + String(repeating: "0", count: width - hex.count) + hex).unicodeScalars)
                }
            }
        }
        out.append(quote)
        return String(out)
    }

    static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == " " { return true }
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator, .spaceSeparator:
            return false
        default:
            return true
        }
    }
}
