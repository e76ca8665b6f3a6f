#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Python's arithmetic and comparison operators over `Value`, with integer overflow,
/// division by zero and oversized results reported as errors instead of trapping.
enum Operators {
    static func undefinedError(_ a: Value, _ b: Value) -> TemplateError? {
        if a.isUndefined { return TemplateError(.undefined, Value.undefinedMessage(a)) }
        if b.isUndefined { return TemplateError(.undefined, Value.undefinedMessage(b)) }
        return nil
    }

    static func unsupported(_ op: String, _ a: Value, _ b: Value) -> TemplateError {
        undefinedError(a, b) ?? TemplateError(.type, "unsupported operand type(s) for \(op): '\(a.typeName)' and '\(b.typeName)'")
    }

    static func overflow() -> TemplateError {
        TemplateError(.type, "integer result too large")
    }

    static func negate(_ value: Value) throws(TemplateError) -> Value {
        switch value.numeric {
        case .int(let i)?:
            guard i != Int.min else { throw overflow() }
            return .int(-i)
        case .double(let d)?:
            return .double(-d)
        case nil:
            if value.isUndefined { throw TemplateError(.undefined, Value.undefinedMessage(value)) }
            throw TemplateError(.type, "bad operand type for unary -: '\(value.typeName)'")
        }
    }

    static func binary(_ op: BinaryOperator, _ a: Value, _ b: Value, limits: RenderLimits) throws(TemplateError) -> Value {
        if let x = a.numeric, let y = b.numeric { return try arithmetic(op, x, y) }
        switch (op, a, b) {
        case (.add, .string(let x), .string(let y)):
            guard x.utf8.count + y.utf8.count <= limits.maxOutputBytes else { throw TemplateError(.limit, "string result larger than \(limits.maxOutputBytes) bytes") }
            return .string(x + y)
        case (.add, .array(let x), .array(let y)):
            return .array(x + y)
        case (.add, .tuple(let x), .tuple(let y)):
            return .tuple(x + y)
        case (.multiply, .string(let s), _), (.multiply, _, .string(let s)):
            guard case .int(let count)? = (a.numeric ?? b.numeric) else { throw unsupported("*", a, b) }
            let times = max(0, count)
            guard times == 0 || s.utf8.count <= limits.maxOutputBytes / times else { throw TemplateError(.limit, "string result larger than \(limits.maxOutputBytes) bytes") }
            return .string(String(repeating: s, count: times))
        case (.multiply, .array(let items), _), (.multiply, _, .array(let items)):
            guard case .int(let count)? = (a.numeric ?? b.numeric) else { throw unsupported("*", a, b) }
            let times = max(0, count)
            guard times == 0 || items.count <= Interpreter.maxRange / times else { throw TemplateError(.limit, "list result longer than \(Interpreter.maxRange) items") }
            return .array(Array([[Value]](repeating: items, count: times).joined()))
        case (.multiply, .tuple(let items), _), (.multiply, _, .tuple(let items)):
            guard case .int(let count)? = (a.numeric ?? b.numeric) else { throw unsupported("*", a, b) }
            let times = max(0, count)
            guard times == 0 || items.count <= Interpreter.maxRange / times else { throw TemplateError(.limit, "tuple result longer than \(Interpreter.maxRange) items") }
            return .tuple(Array([[Value]](repeating: items, count: times).joined()))
        case (.modulo, .string(let format), _):
            return .string(try PythonFormat.percent(format, a: b, limits: limits))
        default:
            throw unsupported(op.rawValue, a, b)
        }
    }

    private static func arithmetic(_ op: BinaryOperator, _ x: Value.Numeric, _ y: Value.Numeric) throws(TemplateError) -> Value {
        if case .int(let i) = x, case .int(let j) = y {
            switch op {
            case .add:
                let (r, o) = i.addingReportingOverflow(j)
                if o { throw overflow() }
                return .int(r)
            case .subtract:
                let (r, o) = i.subtractingReportingOverflow(j)
                if o { throw overflow() }
                return .int(r)
            case .multiply:
                let (r, o) = i.multipliedReportingOverflow(by: j)
                if o { throw overflow() }
                return .int(r)
            case .divide:
                guard j != 0 else { throw TemplateError(.type, "division by zero") }
                return .double(Double(i) / Double(j))
            case .floorDivide, .modulo:
                guard j != 0 else { throw TemplateError(.type, "integer division or modulo by zero") }
                guard !(i == Int.min && j == -1) else { throw overflow() }
                var q = i / j
                var r = i % j
                if r != 0 && ((r < 0) != (j < 0)) {
                    q -= 1
                    r += j
                }
                return .int(op == .floorDivide ? q : r)
            case .power:
                if j < 0 {
                    guard i != 0 else { throw TemplateError(.type, "0.0 cannot be raised to a negative power") }
                    return .double(pow(Double(i), Double(j)))
                }
                var result = 1
                var base = i
                var exponent = j
                while exponent > 0 {
                    if exponent & 1 == 1 {
                        let (r, o) = result.multipliedReportingOverflow(by: base)
                        if o { throw overflow() }
                        result = r
                    }
                    exponent >>= 1
                    if exponent > 0 {
                        let (b, o) = base.multipliedReportingOverflow(by: base)
                        if o { throw overflow() }
                        base = b
                    }
                }
                return .int(result)
            }
        }
        let a = x.asDouble
        let b = y.asDouble
        switch op {
        case .add: return .double(a + b)
        case .subtract: return .double(a - b)
        case .multiply: return .double(a * b)
        case .divide:
            guard b != 0 else { throw TemplateError(.type, "float division by zero") }
            return .double(a / b)
        case .floorDivide, .modulo:
            guard b != 0 else { throw TemplateError(.type, "float modulo") }
            var r = fmod(a, b)
            if r != 0 && ((r < 0) != (b < 0)) { r += b }
            if op == .modulo { return .double(r) }
            return .double(((a - r) / b).rounded())
        case .power:
            if a == 0 && b < 0 { throw TemplateError(.type, "0.0 cannot be raised to a negative power") }
            return .double(pow(a, b))
        }
    }

    static func compare(_ op: CompareOperator, _ a: Value, _ b: Value) throws(TemplateError) -> Bool {
        switch op {
        case .equal: return a.pythonEquals(b)
        case .notEqual: return !a.pythonEquals(b)
        case .less: return try a.pythonLess(b, op: "<")
        case .greater: return try b.pythonLess(a, op: ">")
        case .lessEqual:
            if a.pythonEquals(b) { return true }
            return try a.pythonLess(b, op: "<=")
        case .greaterEqual:
            if a.pythonEquals(b) { return true }
            return try b.pythonLess(a, op: ">=")
        case .contains: return try contains(b, a)
        case .notContains: return try !contains(b, a)
        }
    }

    /// Python's `needle in container`.
    static func contains(_ container: Value, _ needle: Value) throws(TemplateError) -> Bool {
        switch container {
        case .string(let haystack):
            guard case .string(let part) = needle else {
                if needle.isUndefined { throw TemplateError(.undefined, Value.undefinedMessage(needle)) }
                throw TemplateError(.type, "'in <string>' requires string as left operand, not \(needle.typeName)")
            }
            return PythonText.find(Array(part.unicodeScalars), in: Array(haystack.unicodeScalars), from: 0) != nil
        case .array(let items), .tuple(let items), .iterator(let items, _):
            return items.contains { $0.pythonEquals(needle) }
        case .object(let dict):
            guard let key = Dict.storageKey(needle) else { return false }
            return dict[key] != nil
        case .undefined:
            return false
        default:
            throw TemplateError(.type, "argument of type '\(container.typeName)' is not iterable")
        }
    }

    /// The element indices of Python's `sequence[start:stop:step]`.
    static func sliceIndices(count: Int, start: Int?, stop: Int?, step: Int) -> [Int] {
        let lower = step > 0 ? 0 : -1
        let upper = step > 0 ? count : count - 1
        func clamp(_ value: Int?, _ fallback: Int) -> Int {
            guard var v = value else { return fallback }
            if v < 0 {
                v += count
                return max(v, lower)
            }
            return min(v, upper)
        }
        let begin = clamp(start, step > 0 ? lower : upper)
        let end = clamp(stop, step > 0 ? upper : lower)
        var indices: [Int] = []
        var i = begin
        if step > 0 {
            while i < end {
                indices.append(i)
                let (next, overflow) = i.addingReportingOverflow(step)
                if overflow { break }
                i = next
            }
        } else {
            while i > end {
                indices.append(i)
                let (next, overflow) = i.addingReportingOverflow(step)
                if overflow { break }
                i = next
            }
        }
        return indices
    }
}
