/// `json.dumps` as Hugging Face's `tojson` filter calls it: no HTML escaping, keys in
/// insertion order unless `sort_keys`, `ensure_ascii=False` unless asked.
struct JSONDumper {
    var ensureASCII = false
    var indent: String?
    var itemSeparator = ", "
    var keySeparator = ": "
    var sortKeys = false

    func dump(_ value: Value) throws(TemplateError) -> String {
        var out = ""
        try write(value, into: &out, level: 0)
        return out
    }

    private func newline(_ out: inout String, level: Int) {
        guard let indent else { return }
        out += "\n"
        for _ in 0..<level { out += indent }
    }

    private func write(_ value: Value, into out: inout String, level: Int) throws(TemplateError) {
        guard level < Interpreter.maxValueDepth else { throw TemplateError(.limit, "value nested too deeply for tojson") }
        switch value {
        case .none: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d):
            if d.isNaN { out += "NaN" } else if d.isInfinite { out += d < 0 ? "-Infinity" : "Infinity" } else { out += PythonFloat.repr(d) }
        case .string(let s): writeString(s, into: &out)
        case .array(let items), .tuple(let items):
            if items.isEmpty {
                out += "[]"
                return
            }
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += itemSeparator }
                newline(&out, level: level + 1)
                try write(item, into: &out, level: level + 1)
            }
            newline(&out, level: level)
            out += "]"
        case .object(let dict):
            try writeObject(dict, into: &out, level: level)
        case .namespace, .function, .undefined, .iterator:
            throw TemplateError(.type, "Object of type \(value.typeName) is not JSON serializable")
        }
    }

    private func writeObject(_ dict: Dict, into out: inout String, level: Int) throws(TemplateError) {
        if dict.isEmpty {
            out += "{}"
            return
        }
        var pairs = dict.pairs
        if sortKeys { pairs.sort { $0.0.unicodeScalars.lexicographicallyPrecedes($1.0.unicodeScalars) } }
        out += "{"
        for (index, (key, item)) in pairs.enumerated() {
            if index > 0 { out += itemSeparator }
            newline(&out, level: level + 1)
            if case .int(let i) = Dict.keyValue(key) { writeString(String(i), into: &out) } else { writeString(key, into: &out) }
            out += keySeparator
            try write(item, into: &out, level: level + 1)
        }
        newline(&out, level: level)
        out += "}"
    }

    private func writeString(_ string: String, into out: inout String) {
        var view = String.UnicodeScalarView()
        view.append("\"")
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": view.append(contentsOf: "\\\"".unicodeScalars)
            case "\\": view.append(contentsOf: "\\\\".unicodeScalars)
            case "\n": view.append(contentsOf: "\\n".unicodeScalars)
            case "\r": view.append(contentsOf: "\\r".unicodeScalars)
            case "\t": view.append(contentsOf: "\\t".unicodeScalars)
            case "\u{08}": view.append(contentsOf: "\\b".unicodeScalars)
            case "\u{0C}": view.append(contentsOf: "\\f".unicodeScalars)
            default:
                if scalar.value < 0x20 || (ensureASCII && scalar.value > 0x7E) {
                    if scalar.value > 0xFFFF {
                        let v = scalar.value - 0x10000
                        appendEscape(0xD800 + (v >> 10), &view)
                        appendEscape(0xDC00 + (v & 0x3FF), &view)
                    } else {
                        appendEscape(scalar.value, &view)
                    }
                } else {
                    view.append(scalar)
                }
            }
        }
        view.append("\"")
        out += String(view)
    }

    private func appendEscape(_ code: UInt32, _ view: inout String.UnicodeScalarView) {
        let hex = String(code, radix: 16)
        view.append(contentsOf: ("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).unicodeScalars)
    }
}
