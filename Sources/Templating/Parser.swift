/// Builds the statement tree from tokens, following jinja2's grammar and operator precedence.
struct Parser {
    private let tokens: [Token]
    private var index = 0
    /// Inside `if` tests, bodies and conditional expressions jinja2 checks filter and test
    /// names only when they run ("soft" frames); elsewhere an unknown name fails at parse time.
    private var soft = false
    private var loopDepth = 0
    /// While parsing what may turn out to be the value of a conditional expression, unknown
    /// filter/test names wait here: `x|nosuch if c` is soft in jinja2, `x|nosuch` is not.
    private var deferUnknown = false
    private var pendingUnknown: [TemplateError] = []
    private var depth = 0

    static let maxDepth = 100

    init(tokens: [Token]) {
        self.tokens = tokens
    }

    // MARK: token helpers

    private var current: Token { tokens[index] }

    private func peek(_ offset: Int = 1) -> Token {
        tokens[min(index + offset, tokens.count - 1)]
    }

    private mutating func advance() -> Token {
        let token = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return token
    }

    private func fail(_ message: String, _ token: Token? = nil) -> TemplateError {
        let position = (token ?? current).position
        return TemplateError(.syntax, message, line: position.line, column: position.column)
    }

    private func isName(_ name: String, _ token: Token? = nil) -> Bool {
        if case .name(let value) = (token ?? current).kind { return value == name }
        return false
    }

    private func isOp(_ op: String, _ token: Token? = nil) -> Bool {
        if case .op(let value) = (token ?? current).kind { return value == op }
        return false
    }

    private mutating func skipName(_ name: String) -> Bool {
        if isName(name) {
            _ = advance()
            return true
        }
        return false
    }

    private mutating func skipOp(_ op: String) -> Bool {
        if isOp(op) {
            _ = advance()
            return true
        }
        return false
    }

    private mutating func expectOp(_ op: String) throws(TemplateError) {
        guard skipOp(op) else { throw fail("expected '\(op)', got '\(current.describe)'") }
    }

    private mutating func expectName() throws(TemplateError) -> String {
        guard case .name(let name) = current.kind else { throw fail("expected name, got '\(current.describe)'") }
        _ = advance()
        return name
    }

    private mutating func expectBlockEnd() throws(TemplateError) {
        guard current.kind == .blockEnd else { throw fail("expected end of statement block, got '\(current.describe)'") }
        _ = advance()
    }

    private mutating func enter() throws(TemplateError) {
        depth += 1
        if depth > Self.maxDepth { throw TemplateError(.limit, "template nesting is deeper than \(Self.maxDepth)", line: current.position.line, column: current.position.column) }
    }

    // MARK: statements

    /// Parses the whole template.
    mutating func parseTemplate() throws(TemplateError) -> [Node] {
        let (nodes, end) = try parseBody(until: [])
        if let end { throw fail("Encountered unknown tag '\(end)'.") }
        return nodes
    }

    /// Parses nodes until a block tag named in `endTags`; returns that tag's name, having
    /// consumed `{%` and the name (the caller parses the rest of the tag).
    private mutating func parseBody(until endTags: [String]) throws(TemplateError) -> ([Node], String?) {
        try enter()
        defer { depth -= 1 }
        var nodes: [Node] = []
        while true {
            let token = current
            switch token.kind {
            case .end:
                if endTags.isEmpty { return (nodes, nil) }
                let wanted = endTags.map { "'\($0)'" }.joined(separator: " or ")
                throw fail("Unexpected end of template. Jinja was looking for the following tags: \(wanted).")
            case .text(let text):
                _ = advance()
                nodes.append(Node(kind: .text(text), position: token.position))
            case .variableBegin:
                _ = advance()
                let expr = try parseTuple()
                guard current.kind == .variableEnd else { throw fail("expected end of print statement, got '\(current.describe)'") }
                _ = advance()
                nodes.append(Node(kind: .output(expr), position: token.position))
            case .blockBegin:
                _ = advance()
                guard case .name(let tag) = current.kind else { throw fail("tag name expected") }
                if endTags.contains(tag) {
                    _ = advance()
                    return (nodes, tag)
                }
                nodes.append(try parseStatement(tag, endTags: endTags))
            default:
                throw fail("unexpected '\(token.describe)'")
            }
        }
    }

    private mutating func parseStatement(_ tag: String, endTags: [String]) throws(TemplateError) -> Node {
        let start = current
        _ = advance()
        switch tag {
        case "if": return try parseIf(start)
        case "for": return try parseFor(start)
        case "set": return try parseSet(start)
        case "macro": return try parseMacro(start)
        case "filter": return try parseFilterBlock(start)
        case "with": return try parseWith(start)
        case "generation":
            try expectBlockEnd()
            let body = try parseStatements(until: ["endgeneration"])
            return Node(kind: .scope(body), position: start.position)
        case "break", "continue":
            guard loopDepth > 0 else { throw fail("'\(tag)' outside of a loop", start) }
            try expectBlockEnd()
            return Node(kind: tag == "break" ? .breakLoop : .continueLoop, position: start.position)
        default:
            var message = "Encountered unknown tag '\(tag)'."
            if !endTags.isEmpty {
                message += " Jinja was looking for the following tags: " + endTags.map { "'\($0)'" }.joined(separator: " or ") + "."
            }
            throw fail(message, start)
        }
    }

    /// A body that must end with one of `endTags` followed directly by `%}`.
    private mutating func parseStatements(until endTags: [String]) throws(TemplateError) -> [Node] {
        let (body, _) = try parseBody(until: endTags)
        try expectBlockEnd()
        return body
    }

    private mutating func parseIf(_ start: Token) throws(TemplateError) -> Node {
        let wasSoft = soft
        soft = true
        defer { soft = wasSoft }
        var branches: [(Expr, [Node])] = []
        var otherwise: [Node] = []
        while true {
            let test = try parseTuple(withConditional: false)
            try expectBlockEnd()
            let (body, end) = try parseBody(until: ["elif", "else", "endif"])
            branches.append((test, body))
            if end == "elif" { continue }
            if end == "else" {
                try expectBlockEnd()
                otherwise = try parseStatements(until: ["endif"])
            } else {
                try expectBlockEnd()
            }
            break
        }
        return Node(kind: .ifChain(branches, otherwise: otherwise), position: start.position)
    }

    private mutating func parseAssignTarget(allowNamespace: Bool) throws(TemplateError) -> AssignTarget {
        let parenthesized = skipOp("(")
        let first = try expectName()
        if allowNamespace && !parenthesized && skipOp(".") {
            return .attribute(namespace: first, attribute: try expectName())
        }
        var names = [first]
        var isTuple = false
        while skipOp(",") {
            isTuple = true
            if case .name = current.kind, !isName("in") { names.append(try expectName()) } else { break }
        }
        if parenthesized { try expectOp(")") }
        return isTuple || parenthesized && names.count > 1 ? .tuple(names) : .name(first)
    }

    private mutating func parseFor(_ start: Token) throws(TemplateError) -> Node {
        let target = try parseAssignTarget(allowNamespace: false)
        guard skipName("in") else { throw fail("expected 'in', got '\(current.describe)'") }
        let iterable = try parseTuple(withConditional: false, extraEnd: ["recursive"])
        let wasSoft = soft
        soft = false
        defer { soft = wasSoft }
        var condition: Expr?
        if skipName("if") { condition = try parseExpression() }
        let recursive = skipName("recursive")
        if recursive { throw fail("recursive loops are not supported", start) }
        try expectBlockEnd()
        loopDepth += 1
        let (body, end) = try parseBody(until: ["endfor", "else"])
        loopDepth -= 1
        var otherwise: [Node] = []
        try expectBlockEnd()
        if end == "else" { otherwise = try parseStatements(until: ["endfor"]) }
        let loop = ForLoop(target: target, iterable: iterable, condition: condition, body: body, otherwise: otherwise, recursive: recursive)
        return Node(kind: .forLoop(loop), position: start.position)
    }

    private mutating func parseSet(_ start: Token) throws(TemplateError) -> Node {
        let target = try parseAssignTarget(allowNamespace: true)
        if skipOp("=") {
            let value = try parseTuple()
            try expectBlockEnd()
            return Node(kind: .set(target, value), position: start.position)
        }
        if isOp("|") { throw fail("filters on block assignments are not supported") }
        try expectBlockEnd()
        let body = try parseStatements(until: ["endset"])
        return Node(kind: .setBlock(target, body), position: start.position)
    }

    private mutating func parseMacro(_ start: Token) throws(TemplateError) -> Node {
        let name = try expectName()
        try expectOp("(")
        var parameters: [Macro.Parameter] = []
        while !isOp(")") {
            if !parameters.isEmpty {
                try expectOp(",")
                if isOp(")") { break }
            }
            let parameter = try expectName()
            var defaultValue: Expr?
            if skipOp("=") { defaultValue = try parseExpression() }
            parameters.append(Macro.Parameter(name: parameter, defaultValue: defaultValue))
        }
        try expectOp(")")
        try expectBlockEnd()
        let wasSoft = soft
        let outerLoops = loopDepth
        soft = false
        loopDepth = 0
        defer {
            soft = wasSoft
            loopDepth = outerLoops
        }
        let body = try parseStatements(until: ["endmacro"])
        return Node(kind: .macro(Macro(name: name, parameters: parameters, body: body)), position: start.position)
    }

    private mutating func parseFilterBlock(_ start: Token) throws(TemplateError) -> Node {
        var filters: [(String, Arguments)] = []
        repeat {
            let token = current
            let name = try expectName()
            try checkKnown(name, isFilter: true, token)
            let arguments = isOp("(") ? try parseCallArguments() : Arguments()
            filters.append((name, arguments))
        } while skipOp("|")
        try expectBlockEnd()
        let body = try parseStatements(until: ["endfilter"])
        return Node(kind: .filterBlock(filters: filters, body: body), position: start.position)
    }

    private mutating func parseWith(_ start: Token) throws(TemplateError) -> Node {
        var assignments: [(String, Expr)] = []
        while current.kind != .blockEnd {
            if !assignments.isEmpty { try expectOp(",") }
            let name = try expectName()
            try expectOp("=")
            assignments.append((name, try parseExpression()))
        }
        try expectBlockEnd()
        let body = try parseStatements(until: ["endwith"])
        return Node(kind: .with(assignments, body), position: start.position)
    }

    // MARK: expressions

    private func isTupleEnd(_ extraEnd: [String]) -> Bool {
        switch current.kind {
        case .variableEnd, .blockEnd, .end: return true
        case .op(let op): return op == ")"
        case .name(let name): return extraEnd.contains(name)
        default: return false
        }
    }

    mutating func parseTuple(withConditional: Bool = true, extraEnd: [String] = [], explicitParentheses: Bool = false) throws(TemplateError) -> Expr {
        let start = current.position
        var items: [Expr] = []
        var isTuple = false
        while true {
            if !items.isEmpty { try expectOp(",") }
            if isTupleEnd(extraEnd) { break }
            items.append(withConditional ? try parseExpression() : try parseOr())
            if isOp(",") { isTuple = true } else { break }
        }
        if !isTuple {
            if let only = items.first { return only }
            if !explicitParentheses { throw fail("Expected an expression, got '\(current.describe)'") }
        }
        return Expr(kind: .tuple(items), position: start)
    }

    mutating func parseExpression() throws(TemplateError) -> Expr {
        try enter()
        defer { depth -= 1 }
        let start = current.position
        let mark = pendingUnknown.count
        let outerDefers = deferUnknown
        deferUnknown = true
        var expr = try parseOr()
        deferUnknown = outerDefers
        if isName("if") {
            pendingUnknown.removeSubrange(mark...)
        } else if !outerDefers, let first = pendingUnknown.dropFirst(mark).first {
            throw first
        }
        while skipName("if") {
            let wasSoft = soft
            soft = true
            defer { soft = wasSoft }
            let test = try parseOr()
            var otherwise: Expr?
            if skipName("else") { otherwise = try parseExpression() }
            expr = Expr(kind: .conditional(test: test, then: expr, otherwise: otherwise), position: start)
        }
        return expr
    }

    private mutating func parseOr() throws(TemplateError) -> Expr {
        var left = try parseAnd()
        while isName("or") {
            let token = advance()
            left = Expr(kind: .or(left, try parseAnd()), position: token.position)
        }
        return left
    }

    private mutating func parseAnd() throws(TemplateError) -> Expr {
        var left = try parseNot()
        while isName("and") {
            let token = advance()
            left = Expr(kind: .and(left, try parseNot()), position: token.position)
        }
        return left
    }

    private mutating func parseNot() throws(TemplateError) -> Expr {
        if isName("not") {
            let token = advance()
            try enter()
            defer { depth -= 1 }
            return Expr(kind: .not(try parseNot()), position: token.position)
        }
        return try parseCompare()
    }

    private mutating func parseCompare() throws(TemplateError) -> Expr {
        let start = current.position
        let expr = try parseMath1()
        var operations: [(CompareOperator, Expr)] = []
        while true {
            if case .op(let op) = current.kind, let compare = CompareOperator(rawValue: op), compare != .contains, compare != .notContains {
                _ = advance()
                operations.append((compare, try parseMath1()))
            } else if skipName("in") {
                operations.append((.contains, try parseMath1()))
            } else if isName("not") && isName("in", peek()) {
                _ = advance()
                _ = advance()
                operations.append((.notContains, try parseMath1()))
            } else {
                break
            }
        }
        if operations.isEmpty { return expr }
        return Expr(kind: .compare(expr, operations), position: start)
    }

    private mutating func parseMath1() throws(TemplateError) -> Expr {
        var left = try parseConcat()
        while isOp("+") || isOp("-") {
            let token = advance()
            let op: BinaryOperator = isOp("+", token) ? .add : .subtract
            left = Expr(kind: .binary(op, left, try parseConcat()), position: token.position)
        }
        return left
    }

    private mutating func parseConcat() throws(TemplateError) -> Expr {
        let start = current.position
        var items = [try parseMath2()]
        while skipOp("~") { items.append(try parseMath2()) }
        return items.count == 1 ? items[0] : Expr(kind: .concat(items), position: start)
    }

    private mutating func parseMath2() throws(TemplateError) -> Expr {
        var left = try parsePow()
        while true {
            guard case .op(let op) = current.kind, ["*", "/", "//", "%"].contains(op), let binary = BinaryOperator(rawValue: op) else { break }
            let token = advance()
            left = Expr(kind: .binary(binary, left, try parsePow()), position: token.position)
        }
        return left
    }

    private mutating func parsePow() throws(TemplateError) -> Expr {
        var left = try parseUnary()
        while isOp("**") {
            let token = advance()
            left = Expr(kind: .binary(.power, left, try parseUnary()), position: token.position)
        }
        return left
    }

    private mutating func parseUnary(withFilter: Bool = true) throws(TemplateError) -> Expr {
        try enter()
        defer { depth -= 1 }
        let token = current
        var node: Expr
        if isOp("-") {
            _ = advance()
            node = Expr(kind: .negate(try parseUnary(withFilter: false)), position: token.position)
        } else if isOp("+") {
            _ = advance()
            node = Expr(kind: .plus(try parseUnary(withFilter: false)), position: token.position)
        } else {
            node = try parsePrimary()
        }
        node = try parsePostfix(node)
        if withFilter { node = try parseFilterExpression(node) }
        return node
    }

    private mutating func parsePrimary() throws(TemplateError) -> Expr {
        let token = current
        switch token.kind {
        case .name(let name):
            _ = advance()
            switch name {
            case "true", "True": return Expr(kind: .constant(.bool(true)), position: token.position)
            case "false", "False": return Expr(kind: .constant(.bool(false)), position: token.position)
            case "none", "None": return Expr(kind: .constant(.none), position: token.position)
            default: return Expr(kind: .name(name), position: token.position)
            }
        case .string(var value):
            _ = advance()
            while case .string(let more) = current.kind {
                value += more
                _ = advance()
            }
            return Expr(kind: .constant(.string(value)), position: token.position)
        case .integer(let value):
            _ = advance()
            return Expr(kind: .constant(.int(value)), position: token.position)
        case .float(let value):
            _ = advance()
            return Expr(kind: .constant(.double(value)), position: token.position)
        case .op("("):
            _ = advance()
            let expr = try parseTuple(explicitParentheses: true)
            try expectOp(")")
            return expr
        case .op("["):
            _ = advance()
            var items: [Expr] = []
            while !isOp("]") {
                if !items.isEmpty {
                    try expectOp(",")
                    if isOp("]") { break }
                }
                items.append(try parseExpression())
            }
            try expectOp("]")
            return Expr(kind: .list(items), position: token.position)
        case .op("{"):
            _ = advance()
            var pairs: [(Expr, Expr)] = []
            while !isOp("}") {
                if !pairs.isEmpty {
                    try expectOp(",")
                    if isOp("}") { break }
                }
                let key = try parseExpression()
                try expectOp(":")
                pairs.append((key, try parseExpression()))
            }
            try expectOp("}")
            return Expr(kind: .dict(pairs), position: token.position)
        default:
            throw fail("unexpected '\(token.describe)'")
        }
    }

    private mutating func parsePostfix(_ node: Expr) throws(TemplateError) -> Expr {
        var node = node
        while true {
            if isOp(".") || isOp("[") {
                node = try parseSubscript(node)
            } else if isOp("(") {
                let position = current.position
                node = Expr(kind: .call(node, try parseCallArguments()), position: position)
            } else {
                return node
            }
        }
    }

    private mutating func parseFilterExpression(_ node: Expr) throws(TemplateError) -> Expr {
        var node = node
        while true {
            if isOp("|") {
                _ = advance()
                let token = current
                let name = try parseDottedName()
                try checkKnown(name, isFilter: true, token)
                let arguments = isOp("(") ? try parseCallArguments() : Arguments()
                node = Expr(kind: .filter(node, name: name, arguments), position: token.position)
            } else if isName("is") {
                let isToken = advance()
                let negated = skipName("not")
                let token = current
                let name = try parseDottedName()
                try checkKnown(name, isFilter: false, token)
                var arguments = Arguments()
                if isOp("(") {
                    arguments = try parseCallArguments()
                } else if startsTestArgument {
                    if isName("is") { throw fail("You cannot chain multiple tests with is") }
                    arguments.positional = [try parsePostfix(try parsePrimary())]
                }
                node = Expr(kind: .test(node, name: name, arguments), position: isToken.position)
                if negated { node = Expr(kind: .not(node), position: isToken.position) }
            } else if isOp("(") {
                let position = current.position
                node = Expr(kind: .call(node, try parseCallArguments()), position: position)
            } else {
                return node
            }
        }
    }

    /// Whether the token after a test name starts its single unparenthesised argument.
    private var startsTestArgument: Bool {
        switch current.kind {
        case .name(let name): return !["else", "or", "and"].contains(name)
        case .string, .integer, .float: return true
        case .op(let op): return op == "[" || op == "{"
        default: return false
        }
    }

    private mutating func parseDottedName() throws(TemplateError) -> String {
        var name = try expectName()
        while skipOp(".") { name += "." + (try expectName()) }
        return name
    }

    private mutating func checkKnown(_ name: String, isFilter: Bool, _ token: Token) throws(TemplateError) {
        guard !soft else { return }
        var error: TemplateError?
        if isFilter && !Filters.isKnown(name) {
            error = TemplateError(.unknownFilter, "No filter named '\(name)'.", line: token.position.line, column: token.position.column)
        }
        if !isFilter && !Tests.isKnown(name) {
            error = TemplateError(.unknownTest, "No test named '\(name)'.", line: token.position.line, column: token.position.column)
        }
        guard let error else { return }
        if deferUnknown {
            pendingUnknown.append(error)
        } else {
            throw error
        }
    }

    private mutating func parseSubscript(_ node: Expr) throws(TemplateError) -> Expr {
        let token = advance()
        if isOp(".", token) {
            let attribute = current
            switch attribute.kind {
            case .name(let name):
                _ = advance()
                return Expr(kind: .getAttr(node, name), position: token.position)
            case .integer(let value):
                _ = advance()
                return Expr(kind: .getItem(node, Expr(kind: .constant(.int(value)), position: attribute.position)), position: token.position)
            default:
                throw fail("expected name or number")
            }
        }
        var arguments: [Expr] = []
        while !isOp("]") {
            if !arguments.isEmpty { try expectOp(",") }
            arguments.append(try parseSubscribed(on: node))
        }
        try expectOp("]")
        if arguments.count == 1 {
            if case .slice = arguments[0].kind { return arguments[0] }
            return Expr(kind: .getItem(node, arguments[0]), position: token.position)
        }
        return Expr(kind: .getItem(node, Expr(kind: .tuple(arguments), position: token.position)), position: token.position)
    }

    /// One subscript: an expression, or a slice `start:stop:step` (which wraps `node`).
    private mutating func parseSubscribed(on node: Expr) throws(TemplateError) -> Expr {
        let start = current.position
        var parts: [Expr?] = []
        if isOp(":") {
            _ = advance()
            parts = [nil]
        } else {
            let expr = try parseExpression()
            if !isOp(":") { return expr }
            _ = advance()
            parts = [expr]
        }
        if isOp(":") || isOp("]") || isOp(",") {
            parts.append(nil)
        } else {
            parts.append(try parseExpression())
        }
        if skipOp(":") {
            parts.append(isOp("]") || isOp(",") ? nil : try parseExpression())
        } else {
            parts.append(nil)
        }
        return Expr(kind: .slice(node, start: parts[0], stop: parts[1], step: parts[2]), position: start)
    }

    private mutating func parseCallArguments() throws(TemplateError) -> Arguments {
        let open = current
        try expectOp("(")
        var arguments = Arguments()
        var requireComma = false
        while !isOp(")") {
            if requireComma {
                try expectOp(",")
                if isOp(")") { break }
            }
            if isOp("*") || isOp("**") { throw fail("*args and **kwargs in calls are not supported") }
            if case .name(let key) = current.kind, isOp("=", peek()) {
                _ = advance()
                _ = advance()
                arguments.keyword.append((key, try parseExpression()))
            } else {
                if !arguments.keyword.isEmpty { throw fail("invalid syntax for function call expression", open) }
                arguments.positional.append(try parseExpression())
            }
            requireComma = true
        }
        try expectOp(")")
        return arguments
    }
}
