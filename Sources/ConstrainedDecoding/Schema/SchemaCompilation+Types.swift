import OpenAIWire

extension SchemaCompilation {
    func integerValue(_ object: JSONObject, _ key: String, path: String) throws(SchemaError) -> Int? {
        guard let value = object[key] else { return nil }
        guard let number = value.intValue, number >= 0 else {
            throw SchemaError.invalid(key, at: path, "expected a non-negative integer")
        }
        return number
    }

    func numberValue(_ object: JSONObject, _ key: String, path: String) throws(SchemaError) -> Double? {
        guard let value = object[key] else { return nil }
        guard let number = value.doubleValue else { throw SchemaError.invalid(key, at: path, "expected a number") }
        return number
    }

    /// Strings: `pattern`, else `format`, else `minLength`/`maxLength`. Combining them is
    /// not supported (strict: an error naming the ignored keyword).
    mutating func stringFragment(_ object: JSONObject, path: String) throws(SchemaError) -> Fragment {
        let minLength = try integerValue(object, "minLength", path: path)
        let maxLength = try integerValue(object, "maxLength", path: path)
        var source: String?
        if let pattern = object["pattern"] {
            guard let text = pattern.stringValue else { throw SchemaError.invalid("pattern", at: path, "expected a string") }
            source = text
        }
        var sourceKeyword = "pattern"
        if let format = object["format"] {
            guard let name = format.stringValue else { throw SchemaError.invalid("format", at: path, "expected a string") }
            if source != nil {
                if strict { throw SchemaError("unsupported JSON Schema keyword 'format' beside 'pattern' at \(path)", keyword: "format") }
            } else if let formatPattern = StringFormats.pattern(for: name) {
                source = formatPattern
                sourceKeyword = "format"
            } else if strict {
                throw SchemaError("unsupported JSON Schema keyword 'format' at \(path): format '\(name)' is not supported", keyword: "format")
            }
        }
        if let source {
            if strict, let length = ["minLength", "maxLength"].first(where: { object[$0] != nil }) {
                throw SchemaError("unsupported JSON Schema keyword '\(length)' beside '\(sourceKeyword)' at \(path)", keyword: length)
            }
            let regex: RegexPattern
            do {
                regex = try RegexPattern.parse(source)
            } catch {
                throw SchemaError("\(error.message) at \(path)", keyword: sourceKeyword)
            }
            let body = try parts.stringBody(pattern: regex)
            return parts.builder.sequence([parts.builder.literal("\""), body, parts.builder.literal("\"")])
        }
        if minLength == nil && maxLength == nil { return parts.stringCall() }
        let low = minLength ?? 0
        if let maxLength, maxLength < low { throw SchemaError.invalid("maxLength", at: path, "below minLength") }
        if low > RegexPattern.maximumRepetition || (maxLength ?? 0) > RegexPattern.maximumRepetition {
            let keyword = low > RegexPattern.maximumRepetition ? "minLength" : "maxLength"
            throw SchemaError("unsupported JSON Schema keyword '\(keyword)' at \(path): lengths above \(RegexPattern.maximumRepetition) are not supported", keyword: keyword)
        }
        return parts.string(minLength: low, maxLength: maxLength)
    }

    /// Integers with exact digit grammars for the bounds.
    mutating func integerFragment(_ object: JSONObject, path: String) throws(SchemaError) -> Fragment {
        let bounds = try self.bounds(object, path: path)
        var lower = bounds.minimum.map { Int(max(min($0, 1e16), -1e16).rounded(.up)) }
        if bounds.exclusiveMinimum, let value = bounds.minimum, let low = lower, Double(low) == value { lower = low + 1 }
        var upper = bounds.maximum.map { Int(max(min($0, 1e16), -1e16).rounded(.down)) }
        if bounds.exclusiveMaximum, let value = bounds.maximum, let high = upper, Double(high) == value { upper = high - 1 }
        if lower == nil && upper == nil { return parts.integer() }
        guard let fragment = parts.integer(lower: lower, upper: upper) else {
            throw SchemaError.invalid("minimum", at: path, "no integer lies within the bounds")
        }
        return fragment
    }

    /// Numbers: any JSON number when unbounded; bounded ones are written without exponent
    /// and are exactly within the bounds (see `JSONGrammarParts.number(minimum:...)`).
    mutating func numberFragment(_ object: JSONObject, path: String) throws(SchemaError) -> Fragment {
        let bounds = try self.bounds(object, path: path)
        if bounds.minimum == nil && bounds.maximum == nil { return parts.number() }
        guard let fragment = parts.number(
            minimum: bounds.minimum, exclusiveMinimum: bounds.exclusiveMinimum,
            maximum: bounds.maximum, exclusiveMaximum: bounds.exclusiveMaximum
        ) else {
            throw SchemaError.invalid("minimum", at: path, "no number lies within the bounds")
        }
        return fragment
    }

    /// Bounds from `minimum`/`maximum` and `exclusiveMinimum`/`exclusiveMaximum` (numbers in
    /// draft 6+, booleans in draft 4); the tighter bound wins.
    private func bounds(_ object: JSONObject, path: String) throws(SchemaError)
        -> (minimum: Double?, exclusiveMinimum: Bool, maximum: Double?, exclusiveMaximum: Bool)
    {
        var minimum = try numberValue(object, "minimum", path: path)
        var exclusiveMinimum = false
        var maximum = try numberValue(object, "maximum", path: path)
        var exclusiveMaximum = false
        if let value = object["exclusiveMinimum"] {
            if let flag = value.boolValue {
                exclusiveMinimum = flag
            } else if let number = value.doubleValue {
                if minimum.map({ number >= $0 }) ?? true { minimum = number; exclusiveMinimum = true }
            } else {
                throw SchemaError.invalid("exclusiveMinimum", at: path, "expected a number")
            }
        }
        if let value = object["exclusiveMaximum"] {
            if let flag = value.boolValue {
                exclusiveMaximum = flag
            } else if let number = value.doubleValue {
                if maximum.map({ number <= $0 }) ?? true { maximum = number; exclusiveMaximum = true }
            } else {
                throw SchemaError.invalid("exclusiveMaximum", at: path, "expected a number")
            }
        }
        return (minimum, exclusiveMinimum, maximum, exclusiveMaximum)
    }
}
