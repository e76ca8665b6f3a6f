/// An expression node with the place it came from, for error messages.
struct Expr: Sendable {
    indirect enum Kind: Sendable {
        case constant(TemplateValue)
        case name(String)
        case list([Expr])
        case tuple([Expr])
        case dict([(Expr, Expr)])
        case getAttr(Expr, String)
        case getItem(Expr, Expr)
        case slice(Expr, start: Expr?, stop: Expr?, step: Expr?)
        case call(Expr, Arguments)
        case filter(Expr, name: String, Arguments)
        case test(Expr, name: String, Arguments)
        case not(Expr)
        case negate(Expr)
        case plus(Expr)
        case binary(BinaryOperator, Expr, Expr)
        case and(Expr, Expr)
        case or(Expr, Expr)
        case compare(Expr, [(CompareOperator, Expr)])
        case concat([Expr])
        case conditional(test: Expr, then: Expr, otherwise: Expr?)
    }

    var kind: Kind
    var position: SourcePosition
}

/// Positional and keyword arguments of a call, filter or test.
struct Arguments: Sendable {
    var positional: [Expr] = []
    var keyword: [(String, Expr)] = []
}

enum BinaryOperator: String, Sendable {
    case add = "+", subtract = "-", multiply = "*", divide = "/", floorDivide = "//", modulo = "%", power = "**"
}

enum CompareOperator: String, Sendable {
    case equal = "==", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
    case contains = "in", notContains = "not in"
}

/// Where `{% set %}` or a `for` loop stores a value.
enum AssignTarget: Sendable {
    case name(String)
    case tuple([String])
    case attribute(namespace: String, attribute: String)
}

/// A statement node: text, output, or a tag with its body.
struct Node: Sendable {
    indirect enum Kind: Sendable {
        case text(String)
        case output(Expr)
        case ifChain([(Expr, [Node])], otherwise: [Node])
        case forLoop(ForLoop)
        case set(AssignTarget, Expr)
        case setBlock(AssignTarget, [Node])
        case macro(Macro)
        case filterBlock(filters: [(String, Arguments)], body: [Node])
        case with([(String, Expr)], [Node])
        case scope([Node])
        case breakLoop
        case continueLoop
    }

    var kind: Kind
    var position: SourcePosition
}

struct ForLoop: Sendable {
    var target: AssignTarget
    var iterable: Expr
    var condition: Expr?
    var body: [Node]
    var otherwise: [Node]
    var recursive: Bool
}

struct Macro: Sendable {
    struct Parameter: Sendable {
        var name: String
        var defaultValue: Expr?
    }

    var name: String
    var parameters: [Parameter]
    var body: [Node]
}
