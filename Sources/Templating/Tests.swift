/// jinja2's tests (`x is defined`, `x is string`…), with Python's type rules: `bool` is a
/// number, strings and Undefined are iterable, dicts are sequences.
enum Tests {
    static let names: Set<String> = [
        "defined", "undefined", "none", "boolean", "false", "true", "integer", "float", "number", "string",
        "mapping", "iterable", "sequence", "callable", "sameas", "odd", "even", "divisibleby", "equalto", "eq",
        "==", "ne", "!=", "lt", "<", "le", "<=", "gt", ">", "ge", ">=", "in", "lower", "upper", "escaped",
    ]

    static func isKnown(_ name: String) -> Bool { names.contains(name) }

    static func apply(_ name: String, _ value: Value, _ arguments: [Value], _ interpreter: inout Interpreter) throws(TemplateError) -> Bool {
        func argument() throws(TemplateError) -> Value {
            guard let first = arguments.first else { throw TemplateError(.type, "test '\(name)' requires an argument") }
            return first
        }
        func integer() throws(TemplateError) -> Int {
            guard case .int(let i)? = value.numeric else {
                if value.isUndefined { throw TemplateError(.undefined, Value.undefinedMessage(value)) }
                throw TemplateError(.type, "test '\(name)' needs an integer, got '\(value.typeName)'")
            }
            return i
        }
        switch name {
        case "defined": return !value.isUndefined
        case "undefined": return value.isUndefined
        case "none": if case .none = value { return true } else { return false }
        case "boolean": if case .bool = value { return true } else { return false }
        case "false": if case .bool(false) = value { return true } else { return false }
        case "true": if case .bool(true) = value { return true } else { return false }
        case "integer": if case .int = value { return true } else { return false }
        case "float": if case .double = value { return true } else { return false }
        case "number": return value.numeric != nil
        case "string": if case .string = value { return true } else { return false }
        case "mapping": if case .object = value { return true } else { return false }
        case "iterable":
            switch value {
            case .string, .array, .tuple, .object, .undefined, .iterator: return true
            default: return false
            }
        case "sequence":
            switch value {
            case .string, .array, .tuple, .object: return true
            default: return false
            }
        case "callable": if case .function = value { return true } else { return false }
        case "sameas":
            let other = try argument()
            switch (value, other) {
            case (.none, .none): return true
            case (.bool(let a), .bool(let b)): return a == b
            case (.namespace(let a), .namespace(let b)): return a === b
            default: return false
            }
        case "odd": return try integer() % 2 != 0
        case "even": return try integer() % 2 == 0
        case "divisibleby":
            let divisor = try argument()
            guard case .int(let d)? = divisor.numeric, d != 0 else { throw TemplateError(.type, "integer division or modulo by zero") }
            return try integer() % d == 0
        case "equalto", "eq", "==": return value.pythonEquals(try argument())
        case "ne", "!=": return !value.pythonEquals(try argument())
        case "lt", "<": return try Operators.compare(.less, value, try argument())
        case "le", "<=": return try Operators.compare(.lessEqual, value, try argument())
        case "gt", ">": return try Operators.compare(.greater, value, try argument())
        case "ge", ">=": return try Operators.compare(.greaterEqual, value, try argument())
        case "in": return try Operators.contains(try argument(), value)
        case "lower":
            let s = value.pythonString()
            return s == s.lowercased() && s.unicodeScalars.contains(where: PythonText.isCased)
        case "upper":
            let s = value.pythonString()
            return s == s.uppercased() && s.unicodeScalars.contains(where: PythonText.isCased)
        case "escaped": return false
        default: throw TemplateError(.unknownTest, "No test named '\(name)'.")
        }
    }
}
