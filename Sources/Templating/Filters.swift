/// jinja2's built-in filters (the ones chat templates use), with Hugging Face's `tojson`.
enum Filters {
    typealias Implementation = @Sendable (_ value: Value, _ call: CallArguments, _ interpreter: inout Interpreter) throws(TemplateError) -> Value

    static func isKnown(_ name: String) -> Bool { table[name] != nil }

    static func apply(_ name: String, _ value: Value, _ positional: [Value], _ keyword: [(String, Value)], _ interpreter: inout Interpreter) throws(TemplateError) -> Value {
        guard let implementation = table[name] else { throw TemplateError(.unknownFilter, "No filter named '\(name)'.") }
        return try implementation(value, CallArguments(positional: positional, keyword: keyword, name: name), &interpreter)
    }

    static func strictString(_ value: Value) throws(TemplateError) -> String {
        value.pythonString()
    }

    static func length(_ value: Value) throws(TemplateError) -> Int {
        switch value {
        case .string(let s): return s.unicodeScalars.count
        case .array(let items), .tuple(let items): return items.count
        case .object(let dict): return dict.count
        case .undefined: return 0
        default: throw TemplateError(.type, "object of type '\(value.typeName)' has no len()")
        }
    }

    /// jinja2's attribute getter for `attribute=` arguments: dotted paths, item lookup first.
    static func lookupPath(_ value: Value, _ path: Value, _ interpreter: Interpreter) throws(TemplateError) -> Value {
        var current = value
        let parts: [Value]
        if case .string(let s) = path {
            parts = s.split(separator: ".", omittingEmptySubsequences: false).map { Int($0).map(Value.int) ?? .string(String($0)) }
        } else {
            parts = [path]
        }
        for part in parts { current = try interpreter.item(of: current, part) }
        return current
    }

    /// Sort key for min/max/sort/unique: strings compare case-insensitively unless asked.
    static func sortKey(_ value: Value, caseSensitive: Bool) -> Value {
        if !caseSensitive, case .string(let s) = value { return .string(s.lowercased()) }
        return value
    }

    static func sorted(_ items: [Value], reverse: Bool, caseSensitive: Bool, attribute: Value?, _ interpreter: Interpreter) throws(TemplateError) -> [Value] {
        var keyed: [(key: Value, item: Value)] = []
        for item in items {
            let key = try attribute.map { path throws(TemplateError) in try lookupPath(item, path, interpreter) } ?? item
            keyed.append((sortKey(key, caseSensitive: caseSensitive), item))
        }
        // Insertion sort keeps Python's stability and lets comparison errors propagate.
        for i in keyed.indices.dropFirst() {
            var j = i
            while j > 0 {
                let before = reverse ? try keyed[j - 1].key.pythonLess(keyed[j].key) : try keyed[j].key.pythonLess(keyed[j - 1].key)
                if !before { break }
                keyed.swapAt(j, j - 1)
                j -= 1
            }
        }
        return keyed.map(\.item)
    }

    static let table: [String: Implementation] = [
        "abs": { value, _, _ throws(TemplateError) in
            switch value.numeric {
            case .int(let i)?:
                guard i != Int.min else { throw Operators.overflow() }
                return .int(abs(i))
            case .double(let d)?: return .double(abs(d))
            case nil: throw TemplateError(.type, "bad operand type for abs(): '\(value.typeName)'")
            }
        },
        "attr": { value, call, interpreter throws(TemplateError) in
            guard case .string(let name) = try call.require(0, "name") else { throw TemplateError(.type, "attr name must be a string") }
            return try interpreter.attribute(of: value, name)
        },
        "capitalize": { value, _, _ throws(TemplateError) in .string(PythonText.capitalize(try strictString(value))) },
        "center": { value, call, interpreter throws(TemplateError) in
            try Methods.stringMethod(try strictString(value), "center", [call.argument(0, "width") ?? .int(80)], [], limits: interpreter.limits)
        },
        "count": { value, _, _ throws(TemplateError) in .int(try length(value)) },
        "default": defaultFilter,
        "d": defaultFilter,
        "dictsort": { value, call, interpreter throws(TemplateError) in
            guard case .object(let dict) = value else { throw TemplateError(.type, "You can only sort by either 'key' or 'value'") }
            let caseSensitive = call.argument(0, "case_sensitive")?.isTruthy ?? false
            let byValue: Bool
            switch call.argument(1, "by") {
            case nil, .string("key")?: byValue = false
            case .string("value")?: byValue = true
            default: throw TemplateError(.type, "You can only sort by either 'key' or 'value'")
            }
            let reverse = call.argument(2, "reverse")?.isTruthy ?? false
            let pairs = dict.itemTuples
            return .array(try sorted(pairs, reverse: reverse, caseSensitive: caseSensitive, attribute: .int(byValue ? 1 : 0), interpreter))
        },
        "escape": escapeFilter,
        "e": escapeFilter,
        "forceescape": escapeFilter,
        "first": { value, _, interpreter throws(TemplateError) in
            try interpreter.iterate(value).first ?? .undefined("No first item, sequence was empty.")
        },
        "last": { value, _, interpreter throws(TemplateError) in
            try interpreter.iterate(value).last ?? .undefined("No last item, sequence was empty.")
        },
        "float": { value, call, _ throws(TemplateError) in
            let fallback = call.argument(0, "default") ?? .double(0)
            switch value {
            case .string(let s):
                return Double(PythonText.strip(s, nil, leading: true, trailing: true).filter { $0 != "_" }).map(Value.double) ?? fallback
            case .undefined(let hint): throw TemplateError(.undefined, hint)
            default: return value.numeric.map { .double($0.asDouble) } ?? fallback
            }
        },
        "format": { value, call, interpreter throws(TemplateError) in
            if !call.keyword.isEmpty {
                var named = Dict()
                for (key, item) in call.keyword { named[key] = item }
                return .string(try PythonFormat.percent(try strictString(value), [.object(named)], named: named, limits: interpreter.limits))
            }
            return .string(try PythonFormat.percent(try strictString(value), call.positional, limits: interpreter.limits))
        },
        "indent": { value, call, interpreter throws(TemplateError) in
            let width = call.argument(0, "width") ?? .int(4)
            let indentation: String
            if case .string(let s) = width { indentation = s } else {
                guard case .int(let n)? = width.numeric, n <= 1000 else { throw TemplateError(.type, "indent width must be an integer") }
                indentation = String(repeating: " ", count: max(0, n))
            }
            let first = call.argument(1, "first")?.isTruthy ?? false
            let blank = call.argument(2, "blank")?.isTruthy ?? false
            var lines = try PythonText.split(try strictString(value) + "\n", "\n", maxSplit: -1)
            lines.removeLast()
            var result: String
            if blank {
                result = lines.joined(separator: "\n" + indentation)
            } else {
                result = lines.isEmpty ? "" : lines.removeFirst()
                if !lines.isEmpty { result += "\n" + lines.map { $0.isEmpty ? $0 : indentation + $0 }.joined(separator: "\n") }
            }
            if first { result = indentation + result }
            try interpreter.checkSize(result.utf8.count)
            return .string(result)
        },
        "int": { value, call, _ throws(TemplateError) in
            let fallback = call.argument(0, "default") ?? .int(0)
            let base = call.argument(1, "base")
            switch value {
            case .string(let raw):
                var s = PythonText.strip(raw, nil, leading: true, trailing: true).filter { $0 != "_" }
                var radix = 10
                if case .int(let b)? = base?.numeric { radix = b }
                if radix == 16 || radix == 8 || radix == 2 {
                    let prefix = radix == 16 ? "0x" : radix == 8 ? "0o" : "0b"
                    if s.lowercased().hasPrefix(prefix) { s = String(s.dropFirst(2)) }
                }
                if (2...36).contains(radix), let i = Int(s, radix: radix) { return .int(i) }
                if let d = Double(s), d.isFinite, abs(d) < 9.2e18 { return .int(Int(d.rounded(.towardZero))) }
                return fallback
            case .undefined(let hint): throw TemplateError(.undefined, hint)
            default:
                switch value.numeric {
                case .int(let i)?: return .int(i)
                case .double(let d)?:
                    guard d.isFinite, abs(d) < 9.2e18 else { return fallback }
                    return .int(Int(d.rounded(.towardZero)))
                case nil: return fallback
                }
            }
        },
        "items": { value, _, _ throws(TemplateError) in
            switch value {
            case .undefined: return .iterator([], kind: "generator")
            case .object(let dict): return .iterator(dict.itemTuples, kind: "generator")
            default: throw TemplateError(.type, "Can only get item pairs from a mapping.")
            }
        },
        "join": { value, call, interpreter throws(TemplateError) in
            let separator = try strictString(call.argument(0, "d") ?? .string(""))
            let attribute = call.argument(1, "attribute")
            var text = ""
            for (index, item) in try interpreter.iterate(value).enumerated() {
                if index > 0 { text += separator }
                let element = try attribute.map { path throws(TemplateError) in try lookupPath(item, path, interpreter) } ?? item
                text += element.pythonString()
                try interpreter.checkSize(text.utf8.count)
            }
            return .string(text)
        },
        "length": { value, _, _ throws(TemplateError) in .int(try length(value)) },
        "list": { value, _, interpreter throws(TemplateError) in .array(try interpreter.iterate(value)) },
        "lower": { value, _, _ throws(TemplateError) in .string(try strictString(value).lowercased()) },
        "upper": { value, _, _ throws(TemplateError) in .string(try strictString(value).uppercased()) },
        "map": { value, call, interpreter throws(TemplateError) in
            let items = value.isTruthy ? try interpreter.iterate(value) : []
            if let attribute = call.keyword.first(where: { $0.0 == "attribute" })?.1 {
                let fallback = call.keyword.first { $0.0 == "default" }?.1
                var mapped: [Value] = []
                for item in items {
                    let found = try lookupPath(item, attribute, interpreter)
                    mapped.append(found.isUndefined ? (fallback ?? found) : found)
                }
                return .iterator(mapped, kind: "generator")
            }
            guard case .string(let filter)? = call.positional.first else { throw TemplateError(.type, "map requires a filter argument") }
            var mapped: [Value] = []
            for item in items {
                mapped.append(try apply(filter, item, Array(call.positional.dropFirst()), call.keyword, &interpreter))
            }
            return .iterator(mapped, kind: "generator")
        },
        "max": { value, call, interpreter throws(TemplateError) in
            let items = try sorted(try interpreter.iterate(value), reverse: true, caseSensitive: call.argument(0, "case_sensitive")?.isTruthy ?? false, attribute: call.argument(1, "attribute"), interpreter)
            return items.first ?? .undefined("No aggregated item, sequence was empty.")
        },
        "min": { value, call, interpreter throws(TemplateError) in
            let items = try sorted(try interpreter.iterate(value), reverse: false, caseSensitive: call.argument(0, "case_sensitive")?.isTruthy ?? false, attribute: call.argument(1, "attribute"), interpreter)
            return items.first ?? .undefined("No aggregated item, sequence was empty.")
        },
        "reject": { value, call, interpreter throws(TemplateError) in try select(value, call, &interpreter, attribute: false, keep: false) },
        "select": { value, call, interpreter throws(TemplateError) in try select(value, call, &interpreter, attribute: false, keep: true) },
        "rejectattr": { value, call, interpreter throws(TemplateError) in try select(value, call, &interpreter, attribute: true, keep: false) },
        "selectattr": { value, call, interpreter throws(TemplateError) in try select(value, call, &interpreter, attribute: true, keep: true) },
        "replace": { value, call, interpreter throws(TemplateError) in
            let old = try strictString(try call.require(0, "old"))
            let new = try strictString(try call.require(1, "new"))
            var count = -1
            if let limit = call.argument(2, "count"), case .int(let n)? = limit.numeric { count = n }
            return .string(try PythonText.replace(try strictString(value), old, new, count: count, limit: interpreter.limits.maxOutputBytes))
        },
        "reverse": { value, _, interpreter throws(TemplateError) in
            if case .string(let s) = value { return .string(String(String.UnicodeScalarView(s.unicodeScalars.reversed()))) }
            if case .iterator(let items, _) = value { return .array(items.reversed()) }
            return .iterator(try interpreter.iterate(value).reversed(), kind: value.reverseIteratorKind)
        },
        "round": { value, call, _ throws(TemplateError) in
            var precision = 0
            if let p = call.argument(0, "precision"), case .int(let n)? = p.numeric { precision = min(max(n, -308), 308) }
            let method = call.argument(1, "method") ?? .string("common")
            guard let number = value.numeric else { throw TemplateError(.type, "type \(value.typeName) doesn't define __round__ method") }
            if case .string("common") = method, precision == 0, case .int(let i) = number { return .int(i) }
            let scale = pow10(precision)
            let scaled = number.asDouble * scale
            switch method {
            case .string("common"): return .double(scaled.rounded(.toNearestOrEven) / scale)
            case .string("floor"): return .double(scaled.rounded(.down) / scale)
            case .string("ceil"): return .double(scaled.rounded(.up) / scale)
            default: throw TemplateError(.type, "method must be common, ceil or floor")
            }
        },
        "safe": { value, _, _ throws(TemplateError) in .string(value.pythonString()) },
        "sort": { value, call, interpreter throws(TemplateError) in
            .array(try sorted(try interpreter.iterate(value), reverse: call.argument(0, "reverse")?.isTruthy ?? false,
                              caseSensitive: call.argument(1, "case_sensitive")?.isTruthy ?? false, attribute: call.argument(2, "attribute"), interpreter))
        },
        "string": { value, _, _ throws(TemplateError) in .string(value.pythonString()) },
        "sum": { value, call, interpreter throws(TemplateError) in
            var total = call.argument(1, "start") ?? .int(0)
            let attribute = call.argument(0, "attribute")
            for item in try interpreter.iterate(value) {
                let element = try attribute.map { path throws(TemplateError) in try lookupPath(item, path, interpreter) } ?? item
                total = try Operators.binary(.add, total, element, limits: interpreter.limits)
            }
            return total
        },
        "title": { value, _, _ throws(TemplateError) in .string(PythonText.jinjaTitle(try strictString(value))) },
        "tojson": { value, call, _ throws(TemplateError) in
            var dumper = JSONDumper()
            dumper.ensureASCII = call.argument(0, "ensure_ascii")?.isTruthy ?? false
            switch call.argument(1, "indent") {
            case nil, .none?: break
            case .string(let s)?: dumper.indent = s
            case let other?:
                guard case .int(let n)? = other.numeric, n <= 1000 else { throw TemplateError(.type, "tojson indent must be an integer or a string") }
                dumper.indent = String(repeating: " ", count: max(0, n))
            }
            if dumper.indent != nil { dumper.itemSeparator = "," }
            if let separators = call.argument(2, "separators"), let pair = separators.sequenceItems {
                guard pair.count == 2, case .string(let item) = pair[0], case .string(let key) = pair[1] else {
                    throw TemplateError(.type, "tojson separators must be two strings")
                }
                dumper.itemSeparator = item
                dumper.keySeparator = key
            }
            dumper.sortKeys = call.argument(3, "sort_keys")?.isTruthy ?? false
            return .string(try dumper.dump(value))
        },
        "trim": { value, call, _ throws(TemplateError) in
            let chars = call.argument(0, "chars")
            var set: String?
            if case .string(let s)? = chars { set = s }
            return .string(PythonText.strip(try strictString(value), set, leading: true, trailing: true))
        },
        "unique": { value, call, interpreter throws(TemplateError) in
            let caseSensitive = call.argument(0, "case_sensitive")?.isTruthy ?? false
            let attribute = call.argument(1, "attribute")
            var seen: [Value] = []
            var result: [Value] = []
            for item in try interpreter.iterate(value) {
                let key = sortKey(try attribute.map { path throws(TemplateError) in try lookupPath(item, path, interpreter) } ?? item, caseSensitive: caseSensitive)
                if !seen.contains(where: { $0.pythonEquals(key) }) {
                    seen.append(key)
                    result.append(item)
                }
            }
            return .iterator(result, kind: "generator")
        },
        "wordcount": { value, _, _ throws(TemplateError) in
            var count = 0
            var inWord = false
            for scalar in try strictString(value).unicodeScalars {
                let isWord = scalar == "_" || scalar.properties.isAlphabetic || scalar.properties.numericType != nil
                if isWord && !inWord { count += 1 }
                inWord = isWord
            }
            return .int(count)
        },
    ]

    private static func pow10(_ n: Int) -> Double {
        var result = 1.0
        for _ in 0..<abs(n) { result *= 10 }
        return n < 0 ? 1 / result : result
    }

    static let defaultFilter: Implementation = { value, call, _ throws(TemplateError) in
        let fallback = call.argument(0, "default_value") ?? .string("")
        let boolean = call.argument(1, "boolean")?.isTruthy ?? false
        if value.isUndefined || (boolean && !value.isTruthy) { return fallback }
        return value
    }

    static let escapeFilter: Implementation = { value, _, _ throws(TemplateError) in
        var out = ""
        for scalar in value.pythonString().unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&#34;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return .string(out)
    }

    /// select/reject and their `attr` forms: keep the items for which the test (or plain
    /// truthiness when none is named) gives `keep`.
    static func select(_ value: Value, _ call: CallArguments, _ interpreter: inout Interpreter, attribute: Bool, keep: Bool) throws(TemplateError) -> Value {
        var arguments = call.positional
        var path: Value?
        if attribute {
            guard !arguments.isEmpty else { throw TemplateError(.type, "\(call.name) requires an attribute name") }
            path = arguments.removeFirst()
        }
        var testName: String?
        if !arguments.isEmpty {
            guard case .string(let name) = arguments.removeFirst() else { throw TemplateError(.type, "test name must be a string") }
            testName = name
        }
        var result: [Value] = []
        for item in value.isTruthy ? try interpreter.iterate(value) : [] {
            let subject = try path.map { p throws(TemplateError) in try lookupPath(item, p, interpreter) } ?? item
            let passed: Bool
            if let testName {
                passed = try Tests.apply(testName, subject, arguments, &interpreter)
            } else {
                passed = subject.isTruthy
            }
            if passed == keep { result.append(item) }
        }
        return .iterator(result, kind: "generator")
    }
}

/// Positional and keyword arguments of a filter call, looked up as Python binds them.
struct CallArguments {
    var positional: [Value]
    var keyword: [(String, Value)]
    var name: String

    func argument(_ index: Int, _ keywordName: String) -> Value? {
        if index < positional.count { return positional[index] }
        return keyword.first { $0.0 == keywordName }?.1
    }

    func require(_ index: Int, _ keywordName: String) throws(TemplateError) -> Value {
        guard let value = argument(index, keywordName) else {
            throw TemplateError(.type, "\(name)() missing required argument '\(keywordName)'")
        }
        return value
    }
}
