/// The two Python string-formatting mini-languages templates reach for: `"%s" % x`
/// (and the `format` filter) and `"{}".format(x)`. Conversions: `s r d i f g x %`,
/// with width, precision and the `-`/`0` flags; fields: `{}`, `{0}`, `{name}`.
enum PythonFormat {
    static func percent(_ format: String, a argument: Value, limits: RenderLimits) throws(TemplateError) -> String {
        var arguments: [Value]
        var named: Dict?
        switch argument {
        case .tuple(let items): arguments = items
        case .object(let dict):
            arguments = [argument]
            named = dict
        default: arguments = [argument]
        }
        return try percent(format, arguments, named: named, limits: limits)
    }

    static func percent(_ format: String, _ arguments: [Value], named: Dict? = nil, limits: RenderLimits) throws(TemplateError) -> String {
        let scalars = Array(format.unicodeScalars)
        var out = ""
        var next = 0
        var i = 0
        func take(_ key: String?) throws(TemplateError) -> Value {
            if let key {
                guard let named, let value = named[key] else { throw TemplateError(.type, "format requires a mapping with key '\(key)'") }
                return value
            }
            guard next < arguments.count else { throw TemplateError(.type, "not enough arguments for format string") }
            defer { next += 1 }
            return arguments[next]
        }
        while i < scalars.count {
            let scalar = scalars[i]
            i += 1
            guard scalar == "%" else {
                out.unicodeScalars.append(scalar)
                continue
            }
            var key: String?
            if i < scalars.count && scalars[i] == "(" {
                guard let close = scalars[i...].firstIndex(of: ")") else { throw TemplateError(.type, "incomplete format key") }
                key = PythonText.string(scalars[(i + 1)..<close])
                i = close + 1
            }
            var flags = Set<Unicode.Scalar>()
            while i < scalars.count, "-+ 0#".unicodeScalars.contains(scalars[i]) {
                flags.insert(scalars[i])
                i += 1
            }
            var width = 0
            while i < scalars.count, scalars[i].isASCIIDigit {
                width = min(width * 10 + Int(scalars[i].value - 48), 10_000)
                i += 1
            }
            var precision: Int?
            if i < scalars.count && scalars[i] == "." {
                i += 1
                var p = 0
                while i < scalars.count, scalars[i].isASCIIDigit {
                    p = min(p * 10 + Int(scalars[i].value - 48), 100)
                    i += 1
                }
                precision = p
            }
            guard i < scalars.count else { throw TemplateError(.type, "incomplete format") }
            let conversion = scalars[i]
            i += 1
            var text: String
            switch conversion {
            case "%": text = "%"
            case "s": text = try take(key).pythonString()
            case "r": text = try take(key).pythonRepr()
            case "d", "i":
                let value = try take(key)
                switch value.numeric {
                case .int(let n)?: text = String(n)
                case .double(let d)?:
                    guard d.isFinite, abs(d) < 9.2e18 else { throw TemplateError(.type, "cannot convert float to integer") }
                    text = String(Int(d.rounded(.towardZero)))
                case nil: throw TemplateError(.type, "%\(conversion) format: a real number is required, not \(value.typeName)")
                }
            case "f", "F", "g", "e":
                let value = try take(key)
                guard let number = value.numeric?.asDouble else { throw TemplateError(.type, "must be real number, not \(value.typeName)") }
                text = fixed(number, precision: precision ?? 6, style: conversion)
            case "x", "X":
                let value = try take(key)
                guard case .int(let n)? = value.numeric else { throw TemplateError(.type, "%x format: an integer is required") }
                text = String(n, radix: 16, uppercase: conversion == "X")
            default:
                throw TemplateError(.type, "unsupported format character '\(Character(conversion))'")
            }
            if let precision, conversion == "s" || conversion == "r" { text = String(text.unicodeScalars.prefix(precision).map(Character.init)) }
            let padding = max(0, width - text.unicodeScalars.count)
            if padding > 0 {
                if flags.contains("-") {
                    text += String(repeating: " ", count: padding)
                } else if flags.contains("0") && "dfiFgex".unicodeScalars.contains(conversion) {
                    let negative = text.hasPrefix("-")
                    let digits = negative ? String(text.dropFirst()) : text
                    text = (negative ? "-" : "") + String(repeating: "0", count: padding) + digits
                } else {
                    text = String(repeating: " ", count: padding) + text
                }
            }
            out += text
            if out.utf8.count > limits.maxOutputBytes { throw TemplateError(.limit, "formatted string too large") }
        }
        return out
    }

    /// Fixed-point text with `precision` decimals, without Foundation.
    static func fixed(_ value: Double, precision: Int, style: Unicode.Scalar) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        if style == "g" || style == "e" { return PythonFloat.repr(value) }
        let scale = pow10(precision)
        let magnitude = abs(value)
        guard magnitude * scale < 9e18 else { return PythonFloat.repr(value) }
        let scaled = (magnitude * scale).rounded(.toNearestOrEven)
        let whole = Int(scaled)
        let intPart = whole / Int(scale)
        var fraction = String(whole % Int(scale))
        fraction = String(repeating: "0", count: max(0, precision - fraction.count)) + fraction
        let sign = value < 0 && scaled != 0 ? "-" : ""
        return sign + String(intPart) + (precision > 0 ? "." + fraction : "")
    }

    private static func pow10(_ n: Int) -> Double {
        var result = 1.0
        for _ in 0..<min(n, 17) { result *= 10 }
        return result
    }

    /// `str.format(*args, **kwargs)` with plain fields (format specs other than empty are rejected).
    static func brace(_ format: String, _ arguments: [Value], _ keyword: [(String, Value)]) throws(TemplateError) -> String {
        let scalars = Array(format.unicodeScalars)
        var out = ""
        var automatic = 0
        var i = 0
        while i < scalars.count {
            let scalar = scalars[i]
            if scalar == "{" && i + 1 < scalars.count && scalars[i + 1] == "{" {
                out += "{"
                i += 2
                continue
            }
            if scalar == "}" && i + 1 < scalars.count && scalars[i + 1] == "}" {
                out += "}"
                i += 2
                continue
            }
            guard scalar == "{" else {
                out.unicodeScalars.append(scalar)
                i += 1
                continue
            }
            guard let close = scalars[i...].firstIndex(of: "}") else { throw TemplateError(.type, "Single '{' encountered in format string") }
            let field = PythonText.string(scalars[(i + 1)..<close])
            i = close + 1
            if field.contains(":") || field.contains("!") { throw TemplateError(.type, "format specifications are not supported in str.format") }
            let value: Value
            if field.isEmpty {
                guard automatic < arguments.count else { throw TemplateError(.type, "Replacement index \(automatic) out of range") }
                value = arguments[automatic]
                automatic += 1
            } else if let index = Int(field) {
                guard index >= 0 && index < arguments.count else { throw TemplateError(.type, "Replacement index \(index) out of range") }
                value = arguments[index]
            } else {
                guard let found = keyword.first(where: { $0.0 == field })?.1 else { throw TemplateError(.type, "KeyError: '\(field)'") }
                value = found
            }
            out += value.pythonString()
        }
        return out
    }
}
