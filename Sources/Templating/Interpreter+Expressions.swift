extension Interpreter {
    mutating func evaluate(_ expr: Expr) throws(TemplateError) -> Value {
        try enter(expr.position)
        defer { depth -= 1 }
        do {
            return try evaluateKind(expr)
        } catch {
            throw error.located(expr.position)
        }
    }

    private mutating func evaluateKind(_ expr: Expr) throws(TemplateError) -> Value {
        switch expr.kind {
        case .constant(let value):
            return Value(value)
        case .name(let name):
            return lookup(name)
        case .list(let items):
            var values: [Value] = []
            for item in items { values.append(try evaluate(item)) }
            return .array(values)
        case .tuple(let items):
            var values: [Value] = []
            for item in items { values.append(try evaluate(item)) }
            return .tuple(values)
        case .dict(let pairs):
            var dict = Dict()
            for (keyExpr, valueExpr) in pairs {
                let key = try evaluate(keyExpr)
                guard let name = Dict.storageKey(key) else {
                    throw TemplateError(.type, "only string and integer keys are supported in dict literals, got '\(key.typeName)'")
                }
                dict[name] = try evaluate(valueExpr)
            }
            return .object(dict)
        case .getAttr(let base, let name):
            return try attribute(of: try evaluate(base), name)
        case .getItem(let base, let key):
            return try item(of: try evaluate(base), try evaluate(key))
        case .slice(let base, let start, let stop, let step):
            let value = try evaluate(base)
            let bounds = (try start.map { e throws(TemplateError) in try evaluate(e) }, try stop.map { e throws(TemplateError) in try evaluate(e) }, try step.map { e throws(TemplateError) in try evaluate(e) })
            return try slice(value, bounds.0, bounds.1, bounds.2)
        case .call(let callee, let arguments):
            let function = try evaluate(callee)
            let (positional, keyword) = try evaluateArguments(arguments)
            return try call(function, positional, keyword)
        case .filter(let base, let name, let arguments):
            return try applyFilter(name, to: try evaluate(base), arguments, at: expr.position)
        case .test(let base, let name, let arguments):
            let value = try evaluate(base)
            let (positional, _) = try evaluateArguments(arguments)
            return .bool(try Tests.apply(name, value, positional, &self))
        case .not(let operand):
            return .bool(!(try evaluate(operand).isTruthy))
        case .negate(let operand):
            return try Operators.negate(try evaluate(operand))
        case .plus(let operand):
            let value = try evaluate(operand)
            guard value.numeric != nil else {
                if value.isUndefined { throw TemplateError(.undefined, Value.undefinedMessage(value)) }
                throw TemplateError(.type, "bad operand type for unary +: '\(value.typeName)'")
            }
            if case .bool(let b) = value { return .int(b ? 1 : 0) }
            return value
        case .binary(let op, let left, let right):
            return try Operators.binary(op, try evaluate(left), try evaluate(right), limits: limits)
        case .and(let left, let right):
            let value = try evaluate(left)
            return value.isTruthy ? try evaluate(right) : value
        case .or(let left, let right):
            let value = try evaluate(left)
            return value.isTruthy ? value : try evaluate(right)
        case .compare(let first, let operations):
            var left = try evaluate(first)
            for (op, rightExpr) in operations {
                let right = try evaluate(rightExpr)
                if !(try Operators.compare(op, left, right)) { return .bool(false) }
                left = right
            }
            return .bool(true)
        case .concat(let items):
            var text = ""
            for item in items {
                text += try evaluate(item).pythonString()
                try checkSize(text.utf8.count)
            }
            return .string(text)
        case .conditional(let test, let then, let otherwise):
            if try evaluate(test).isTruthy { return try evaluate(then) }
            if let otherwise { return try evaluate(otherwise) }
            return .undefined("the inline if-expression evaluated to false and no else section was defined")
        }
    }

    mutating func evaluateArguments(_ arguments: Arguments) throws(TemplateError) -> ([Value], [(String, Value)]) {
        var positional: [Value] = []
        for expr in arguments.positional { positional.append(try evaluate(expr)) }
        var keyword: [(String, Value)] = []
        for (name, expr) in arguments.keyword { keyword.append((name, try evaluate(expr))) }
        return (positional, keyword)
    }

    mutating func call(_ function: Value, _ positional: [Value], _ keyword: [(String, Value)]) throws(TemplateError) -> Value {
        switch function {
        case .function(let function):
            return try function.body(positional, keyword, &self)
        case .undefined(let hint):
            throw TemplateError(.undefined, hint)
        default:
            throw TemplateError(.type, "'\(function.typeName)' object is not callable")
        }
    }

    mutating func applyFilter(_ name: String, to value: Value, _ arguments: Arguments, at position: SourcePosition) throws(TemplateError) -> Value {
        let (positional, keyword) = try evaluateArguments(arguments)
        return try Filters.apply(name, value, positional, keyword, &self)
    }

    /// `value.name`: jinja2 tries the Python attribute first (methods), then the item.
    func attribute(of value: Value, _ name: String) throws(TemplateError) -> Value {
        switch value {
        case .undefined(let hint):
            throw TemplateError(.undefined, hint)
        case .object(let dict):
            if let method = Methods.bound(value, name) { return method }
            return dict[name] ?? .undefined("'dict object' has no attribute '\(name)'")
        case .namespace(let namespace):
            return namespace.attributes[name] ?? .undefined("'Namespace' object has no attribute '\(name)'")
        default:
            if let method = Methods.bound(value, name) { return method }
            return .undefined("'\(value.undefinedOwnerName)' has no attribute '\(name)'")
        }
    }

    /// `value[key]`: the item first, then (for string keys) the attribute, as jinja2 does.
    func item(of value: Value, _ key: Value) throws(TemplateError) -> Value {
        switch (value, key) {
        case (.undefined(let hint), _):
            throw TemplateError(.undefined, hint)
        case (.object(let dict), .string(let name)):
            if let found = dict[name] { return found }
            return Methods.bound(value, name) ?? .undefined("'dict object' has no attribute '\(name)'")
        case (.object(let dict), .int), (.object(let dict), .bool):
            if let storage = Dict.storageKey(key), let found = dict[storage] { return found }
            return .undefined("'dict object' has no item \(key.pythonRepr())")
        case (.namespace, .string(let name)):
            return try attribute(of: value, name)
        case (.array, _), (.tuple, _), (.string, _):
            guard case .int(let raw)? = key.numeric else {
                if case .string(let name) = key { return try attribute(of: value, name) }
                return .undefined("'\(value.undefinedOwnerName)' has no item \(key.pythonRepr())")
            }
            let sequence = elements(of: value)
            let index = raw < 0 ? raw + sequence.count : raw
            guard index >= 0 && index < sequence.count else {
                return .undefined("'\(value.undefinedOwnerName)' has no element \(raw)")
            }
            return sequence[index]
        case (_, .string(let name)):
            return try attribute(of: value, name)
        default:
            return .undefined("'\(value.undefinedOwnerName)' has no item \(key.pythonRepr())")
        }
    }

    private func elements(of value: Value) -> [Value] {
        if case .string(let s) = value { return s.unicodeScalars.map { .string(String($0)) } }
        if case .array(let items) = value { return items }
        if case .tuple(let items) = value { return items }
        return []
    }

    func slice(_ value: Value, _ start: Value?, _ stop: Value?, _ step: Value?) throws(TemplateError) -> Value {
        func bound(_ v: Value?) throws(TemplateError) -> Int? {
            guard let v else { return nil }
            if case .none = v { return nil }
            guard case .int(let i)? = v.numeric else { throw TemplateError(.type, "slice indices must be integers or None") }
            return i
        }
        let stepValue = try bound(step) ?? 1
        guard stepValue != 0 else { throw TemplateError(.type, "slice step cannot be zero") }
        let startValue = try bound(start)
        let stopValue = try bound(stop)
        let indices: (Int) -> [Int] = { count in
            Operators.sliceIndices(count: count, start: startValue, stop: stopValue, step: stepValue)
        }
        switch value {
        case .undefined(let hint):
            throw TemplateError(.undefined, hint)
        case .array(let items):
            return .array(indices(items.count).map { items[$0] })
        case .tuple(let items):
            return .tuple(indices(items.count).map { items[$0] })
        case .string(let s):
            let scalars = Array(s.unicodeScalars)
            var view = String.UnicodeScalarView()
            for index in indices(scalars.count) { view.append(scalars[index]) }
            return .string(String(view))
        default:
            return .undefined("'\(value.undefinedOwnerName)' cannot be sliced")
        }
    }
}

extension Value {
    /// How jinja2 names an object in "has no attribute" messages.
    var undefinedOwnerName: String {
        switch self {
        case .none: "None"
        case .object: "dict object"
        case .array: "list object"
        case .tuple: "tuple object"
        case .string: "str object"
        case .int: "int object"
        case .double: "float object"
        case .bool: "bool object"
        default: "\(typeName) object"
        }
    }
}
