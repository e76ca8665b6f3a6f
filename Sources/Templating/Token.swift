/// One lexical unit of a template: literal text, a tag delimiter, or a piece of an expression.
struct Token: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case text(String)
        case variableBegin, variableEnd, blockBegin, blockEnd
        case name(String)
        case string(String)
        case integer(Int)
        case float(Double)
        case op(String)
        case end
    }

    var kind: Kind
    var position: SourcePosition

    /// A short description for syntax errors, in jinja2's words where it has them.
    var describe: String {
        switch kind {
        case .text: "template data"
        case .variableBegin: "begin of print statement"
        case .variableEnd: "end of print statement"
        case .blockBegin: "begin of statement block"
        case .blockEnd: "end of statement block"
        case .name(let name): name
        case .string(let value): "string '\(value)'"
        case .integer(let value): "integer \(value)"
        case .float(let value): "float \(value)"
        case .op(let op): op
        case .end: "end of template"
        }
    }
}
