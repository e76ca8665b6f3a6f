/// Executes a parsed template against a context, with jinja2's scoping: each `for`
/// iteration and each macro call gets a fresh scope, `if` does not create one.
struct Interpreter {
    static let maxValueDepth = 256
    /// jinja2's sandbox refuses ranges longer than this.
    static let maxRange = 100_000

    enum Flow {
        case normal, breakLoop, continueLoop
    }

    let limits: RenderLimits
    var scopes: [[String: Value]]
    var iterations = 0
    var depth = 0

    init(context: [String: TemplateValue], limits: RenderLimits) {
        self.limits = limits
        var globals = Globals.all
        for (key, value) in context where value != .undefined { globals[key] = Value(value) }
        scopes = [globals, [:]]
    }

    // MARK: scopes

    func lookup(_ name: String) -> Value {
        for scope in scopes.reversed() {
            if let value = scope[name] { return value }
        }
        return .undefined("'\(name)' is undefined")
    }

    mutating func assign(_ name: String, _ value: Value) {
        scopes[scopes.count - 1][name] = value
    }

    mutating func enter(_ position: SourcePosition) throws(TemplateError) {
        depth += 1
        if depth > limits.maxDepth {
            throw TemplateError(.limit, "rendering nested deeper than \(limits.maxDepth) levels (recursive macro?)", line: position.line, column: position.column)
        }
    }

    func checkSize(_ count: Int) throws(TemplateError) {
        if count > limits.maxOutputBytes {
            throw TemplateError(.limit, "output larger than \(limits.maxOutputBytes) bytes")
        }
    }

    mutating func countIteration() throws(TemplateError) {
        iterations += 1
        if iterations > limits.maxIterations {
            throw TemplateError(.limit, "more than \(limits.maxIterations) loop iterations")
        }
    }

    // MARK: statements

    mutating func execute(_ nodes: [Node], into out: inout String) throws(TemplateError) -> Flow {
        for node in nodes {
            do {
                let flow = try execute(node, into: &out)
                if flow != .normal { return flow }
            } catch {
                throw error.located(node.position)
            }
        }
        return .normal
    }

    private mutating func write(_ text: String, into out: inout String) throws(TemplateError) {
        try checkSize(out.utf8.count + text.utf8.count)
        out += text
    }

    private mutating func execute(_ node: Node, into out: inout String) throws(TemplateError) -> Flow {
        try enter(node.position)
        defer { depth -= 1 }
        switch node.kind {
        case .text(let text):
            try write(text, into: &out)
        case .output(let expr):
            try write(try evaluate(expr).pythonString(), into: &out)
        case .ifChain(let branches, let otherwise):
            for (test, body) in branches where try evaluate(test).isTruthy {
                return try execute(body, into: &out)
            }
            return try execute(otherwise, into: &out)
        case .forLoop(let loop):
            try executeFor(loop, into: &out)
        case .set(let target, let expr):
            try store(try evaluate(expr), in: target)
        case .setBlock(let target, let body):
            var captured = ""
            _ = try execute(body, into: &captured)
            try store(.string(captured), in: target)
        case .macro(let macro):
            assign(macro.name, .function(makeMacro(macro)))
        case .filterBlock(let filters, let body):
            var captured = ""
            _ = try execute(body, into: &captured)
            var value = Value.string(captured)
            for (name, arguments) in filters {
                value = try applyFilter(name, to: value, arguments, at: node.position)
            }
            try write(value.pythonString(), into: &out)
        case .with(let assignments, let body):
            var scope: [String: Value] = [:]
            for (name, expr) in assignments { scope[name] = try evaluate(expr) }
            scopes.append(scope)
            defer { scopes.removeLast() }
            return try execute(body, into: &out)
        case .scope(let body):
            return try execute(body, into: &out)
        case .breakLoop:
            return .breakLoop
        case .continueLoop:
            return .continueLoop
        }
        return .normal
    }

    mutating func store(_ value: Value, in target: AssignTarget) throws(TemplateError) {
        switch target {
        case .name(let name):
            assign(name, value)
        case .tuple(let names):
            let items = try unpack(value, count: names.count)
            for (name, item) in zip(names, items) { assign(name, item) }
        case .attribute(let namespaceName, let attribute):
            guard case .namespace(let namespace) = lookup(namespaceName) else {
                throw TemplateError(.type, "cannot assign attribute on non-namespace object")
            }
            namespace.attributes[attribute] = value
        }
    }

    func unpack(_ value: Value, count: Int) throws(TemplateError) -> [Value] {
        let items = try iterate(value)
        guard items.count == count else {
            throw TemplateError(.type, items.count < count
                ? "not enough values to unpack (expected \(count), got \(items.count))"
                : "too many values to unpack (expected \(count))")
        }
        return items
    }

    private mutating func executeFor(_ loop: ForLoop, into out: inout String) throws(TemplateError) {
        var items = try iterate(try evaluate(loop.iterable))
        if let condition = loop.condition {
            var kept: [Value] = []
            for item in items {
                try countIteration()
                scopes.append([:])
                defer { scopes.removeLast() }
                try store(item, in: loop.target)
                if try evaluate(condition).isTruthy { kept.append(item) }
            }
            items = kept
        }
        if items.isEmpty {
            _ = try execute(loop.otherwise, into: &out)
            return
        }
        let length = items.count
        for (index, item) in items.enumerated() {
            try countIteration()
            scopes.append(["loop": .object(loopObject(index: index, length: length, items: items))])
            defer { scopes.removeLast() }
            try store(item, in: loop.target)
            if try execute(loop.body, into: &out) == .breakLoop { break }
        }
    }

    private func loopObject(index: Int, length: Int, items: [Value]) -> Dict {
        var loop = Dict()
        loop["index"] = .int(index + 1)
        loop["index0"] = .int(index)
        loop["revindex"] = .int(length - index)
        loop["revindex0"] = .int(length - index - 1)
        loop["first"] = .bool(index == 0)
        loop["last"] = .bool(index == length - 1)
        loop["length"] = .int(length)
        loop["depth"] = .int(1)
        loop["depth0"] = .int(0)
        loop["previtem"] = index > 0 ? items[index - 1] : .undefined("there is no previous item")
        loop["nextitem"] = index + 1 < length ? items[index + 1] : .undefined("there is no next item")
        loop["cycle"] = .function(Function("loop.cycle") { positional, _, _ throws(TemplateError) in
            guard !positional.isEmpty else { throw TemplateError(.type, "no items for cycling given") }
            return positional[index % positional.count]
        })
        return loop
    }

    /// The items a `for` loop (or `list()`) sees: list items, dict keys, string characters.
    func iterate(_ value: Value) throws(TemplateError) -> [Value] {
        switch value {
        case .array(let items), .tuple(let items), .iterator(let items, _): return items
        case .object(let dict): return dict.keyValues
        case .string(let s): return s.unicodeScalars.map { .string(String($0)) }
        case .undefined: return []
        default: throw TemplateError(.type, "'\(value.typeName)' object is not iterable")
        }
    }

    private func makeMacro(_ macro: Macro) -> Function {
        Function(macro.name) { positional, keyword, interpreter throws(TemplateError) in
            try interpreter.callMacro(macro, positional, keyword)
        }
    }

    private mutating func callMacro(_ macro: Macro, _ positional: [Value], _ keyword: [(String, Value)]) throws(TemplateError) -> Value {
        if positional.count > macro.parameters.count {
            throw TemplateError(.type, "macro '\(macro.name)' takes not more than \(macro.parameters.count) argument(s)")
        }
        let saved = scopes
        scopes = Array(scopes.prefix(2)) + [[:]]
        defer { scopes = saved }
        for (index, parameter) in macro.parameters.enumerated() {
            if index < positional.count {
                assign(parameter.name, positional[index])
            } else if let value = keyword.first(where: { $0.0 == parameter.name })?.1 {
                assign(parameter.name, value)
            } else if let defaultValue = parameter.defaultValue {
                assign(parameter.name, try evaluate(defaultValue))
            } else {
                assign(parameter.name, .undefined("parameter '\(parameter.name)' was not provided"))
            }
        }
        for (name, _) in keyword where !macro.parameters.contains(where: { $0.name == name }) {
            throw TemplateError(.type, "macro '\(macro.name)' takes no keyword argument '\(name)'")
        }
        var out = ""
        _ = try execute(macro.body, into: &out)
        return .string(out)
    }
}
