/// The Python methods templates call on values: `str` methods, `dict.get/items/keys/values`,
/// `list.index/count`. Mutating methods are absent, as in jinja2's immutable sandbox.
enum Methods {
    static let stringMethods: Set<String> = [
        "strip", "lstrip", "rstrip", "split", "rsplit", "splitlines", "startswith", "endswith", "upper", "lower",
        "title", "capitalize", "replace", "find", "rfind", "count", "join", "format", "isdigit", "isalpha",
        "isalnum", "isspace", "isupper", "islower", "swapcase", "center", "zfill",
    ]
    static let dictMethods: Set<String> = ["get", "items", "keys", "values"]
    static let listMethods: Set<String> = ["index", "count"]

    /// The bound method `value.name`, or nil when the value has no such method.
    static func bound(_ value: Value, _ name: String) -> Value? {
        switch value {
        case .string(let s) where stringMethods.contains(name):
            return .function(Function("str.\(name)") { positional, keyword, interpreter throws(TemplateError) in
                try stringMethod(s, name, positional, keyword, limits: interpreter.limits)
            })
        case .object(let dict) where dictMethods.contains(name):
            return .function(Function("dict.\(name)") { positional, _, _ throws(TemplateError) in
                try dictMethod(dict, name, positional)
            })
        case .array(let items) where listMethods.contains(name), .tuple(let items) where listMethods.contains(name):
            return .function(Function("list.\(name)") { positional, _, _ throws(TemplateError) in
                guard positional.count == 1 else { throw TemplateError(.type, "\(name)() takes exactly one argument") }
                if name == "count" { return .int(items.filter { $0.pythonEquals(positional[0]) }.count) }
                guard let index = items.firstIndex(where: { $0.pythonEquals(positional[0]) }) else {
                    throw TemplateError(.type, "\(positional[0].pythonRepr()) is not in list")
                }
                return .int(index)
            })
        default:
            return nil
        }
    }

    private static func argument(_ positional: [Value], _ keyword: [(String, Value)], _ index: Int, _ name: String) -> Value? {
        if index < positional.count { return positional[index] }
        return keyword.first { $0.0 == name }?.1
    }

    private static func optionalString(_ value: Value?, _ method: String) throws(TemplateError) -> String? {
        switch value {
        case nil, .none?: return nil
        case .string(let s)?: return s
        case let other?: throw TemplateError(.type, "\(method) arg must be None or str, not \(other.typeName)")
        }
    }

    private static func integer(_ value: Value?, default fallback: Int) throws(TemplateError) -> Int {
        guard let value else { return fallback }
        if case .none = value { return fallback }
        guard case .int(let i)? = value.numeric else { throw TemplateError(.type, "'\(value.typeName)' object cannot be interpreted as an integer") }
        return i
    }

    static func stringMethod(_ s: String, _ name: String, _ positional: [Value], _ keyword: [(String, Value)], limits: RenderLimits) throws(TemplateError) -> Value {
        let first = argument(positional, keyword, 0, name == "split" || name == "rsplit" ? "sep" : "chars")
        switch name {
        case "strip", "lstrip", "rstrip":
            let chars = try optionalString(first, name)
            return .string(PythonText.strip(s, chars, leading: name != "rstrip", trailing: name != "lstrip"))
        case "split", "rsplit":
            let separator = try optionalString(first, name)
            let maxSplit = try integer(argument(positional, keyword, 1, "maxsplit"), default: -1)
            var parts: [String]
            if name == "rsplit" && maxSplit >= 0 {
                // rsplit with a limit splits from the right: reverse, split, reverse back.
                let reversed = String(String.UnicodeScalarView(s.unicodeScalars.reversed()))
                let sep = separator.map { String(String.UnicodeScalarView($0.unicodeScalars.reversed())) }
                parts = try PythonText.split(reversed, sep, maxSplit: maxSplit).reversed().map { String(String.UnicodeScalarView($0.unicodeScalars.reversed())) }
            } else {
                parts = try PythonText.split(s, separator, maxSplit: maxSplit)
            }
            return .array(parts.map(Value.string))
        case "splitlines":
            var lines = try PythonText.split(s, "\n", maxSplit: -1)
            if lines.last == "" { lines.removeLast() }
            return .array(lines.map(Value.string))
        case "startswith", "endswith":
            let candidates: [Value]
            switch first {
            case .array(let items)?, .tuple(let items)?: candidates = items
            case let value?: candidates = [value]
            case nil: throw TemplateError(.type, "\(name)() takes at least 1 argument (0 given)")
            }
            let scalars = Array(s.unicodeScalars)
            for candidate in candidates {
                guard case .string(let affix) = candidate else {
                    throw TemplateError(.type, "\(name) first arg must be str or a tuple of str, not \(candidate.typeName)")
                }
                let affixScalars = Array(affix.unicodeScalars)
                if name == "startswith" ? scalars.starts(with: affixScalars) : scalars.reversed().starts(with: affixScalars.reversed()) {
                    return .bool(true)
                }
            }
            return .bool(false)
        case "upper": return .string(s.uppercased())
        case "lower": return .string(s.lowercased())
        case "title": return .string(PythonText.title(s))
        case "capitalize": return .string(PythonText.capitalize(s))
        case "swapcase":
            return .string(s.unicodeScalars.map { $0.properties.isUppercase ? $0.properties.lowercaseMapping : $0.properties.uppercaseMapping }.joined())
        case "replace":
            guard positional.count >= 2, case .string(let old) = positional[0], case .string(let new) = positional[1] else {
                throw TemplateError(.type, "replace() expects two strings")
            }
            let count = try integer(positional.count > 2 ? positional[2] : keyword.first { $0.0 == "count" }?.1, default: -1)
            return .string(try PythonText.replace(s, old, new, count: count, limit: limits.maxOutputBytes))
        case "find", "rfind", "count":
            guard case .string(let needle)? = positional.first else { throw TemplateError(.type, "\(name)() argument must be str") }
            let haystack = Array(s.unicodeScalars)
            let part = Array(needle.unicodeScalars)
            var found: [Int] = []
            var start = 0
            while let index = PythonText.find(part, in: haystack, from: start) {
                found.append(index)
                start = index + max(part.count, 1)
                if name == "find" || start > haystack.count { break }
            }
            if name == "count" { return .int(found.count) }
            return .int((name == "find" ? found.first : found.last) ?? -1)
        case "join":
            guard let iterable = positional.first else { throw TemplateError(.type, "join() takes exactly one argument") }
            let items: [Value]
            switch iterable {
            case .array(let list), .tuple(let list): items = list
            case .string(let text): items = text.unicodeScalars.map { .string(String($0)) }
            case .object(let dict): items = dict.keyValues
            default: throw TemplateError(.type, "can only join an iterable")
            }
            var parts: [String] = []
            for item in items {
                guard case .string(let text) = item else { throw TemplateError(.type, "sequence item: expected str instance, \(item.typeName) found") }
                parts.append(text)
            }
            return .string(parts.joined(separator: s))
        case "format":
            return .string(try PythonFormat.brace(s, positional, keyword))
        case "isdigit": return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy { $0.properties.numericType == .decimal || $0.properties.numericType == .digit })
        case "isalpha": return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy { $0.properties.isAlphabetic })
        case "isalnum": return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || $0.properties.numericType != nil })
        case "isspace": return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy(\.isPythonWhitespace))
        case "isupper", "islower":
            let cased = s.unicodeScalars.filter(PythonText.isCased)
            let wantUpper = name == "isupper"
            return .bool(!cased.isEmpty && cased.allSatisfy { wantUpper ? !$0.properties.isLowercase : !$0.properties.isUppercase })
        case "center", "zfill":
            let width = try integer(positional.first, default: 0)
            let length = s.unicodeScalars.count
            guard width > length else { return .string(s) }
            guard width <= limits.maxOutputBytes else { throw TemplateError(.limit, "string result too large") }
            if name == "zfill" { return .string(String(repeating: "0", count: width - length) + s) }
            let total = width - length
            let left = total / 2 + (total & width & 1)
            return .string(String(repeating: " ", count: left) + s + String(repeating: " ", count: total - left))
        default:
            throw TemplateError(.type, "'str' object has no attribute '\(name)'")
        }
    }

    static func dictMethod(_ dict: Dict, _ name: String, _ positional: [Value]) throws(TemplateError) -> Value {
        switch name {
        case "get":
            guard let key = positional.first else { throw TemplateError(.type, "get expected at least 1 argument, got 0") }
            let fallback = positional.count > 1 ? positional[1] : .none
            guard let k = Dict.storageKey(key) else { return fallback }
            return dict[k] ?? fallback
        case "items": return .array(dict.itemTuples)
        case "keys": return .array(dict.keyValues)
        case "values": return .array(dict.values)
        default: throw TemplateError(.type, "'dict' object has no attribute '\(name)'")
        }
    }
}
