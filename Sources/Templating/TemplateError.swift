/// Why a template could not be parsed or rendered, and where.
///
/// `line` and `column` are 1-based positions in the template source (0 when unknown).
/// For `raise_exception(msg)` the kind is `.raised` and `message` is `msg` exactly;
/// `description` is then `msg` as well, so the template author's words surface as-is.
public struct TemplateError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The broad class of problem.
    public enum Kind: Sendable, Equatable {
        /// The source is not valid template syntax (or uses an unsupported tag).
        case syntax
        /// A filter or test name that does not exist.
        case unknownFilter
        case unknownTest
        /// An undefined value was used strictly (attribute of undefined, arithmetic).
        case undefined
        /// An operation on values of the wrong type (Python's TypeError and friends).
        case type
        /// The template called `raise_exception(message)`.
        case raised
        /// A safety limit was hit: output size, loop iterations, nesting or recursion depth.
        case limit
        /// The context or a JSON text could not be read.
        case invalidInput
    }

    public let kind: Kind
    public let message: String
    public let line: Int
    public let column: Int

    public init(_ kind: Kind, _ message: String, line: Int = 0, column: Int = 0) {
        self.kind = kind
        self.message = message
        self.line = line
        self.column = column
    }

    public var description: String {
        if kind == .raised { return message }
        if line > 0 { return "template error at line \(line), column \(column): \(message)" }
        return "template error: \(message)"
    }

    /// The same error placed at a position, unless it already has one.
    func located(_ position: SourcePosition) -> TemplateError {
        if line > 0 || kind == .raised { return self }
        return TemplateError(kind, message, line: position.line, column: position.column)
    }
}

/// A 1-based line and column in the template source.
struct SourcePosition: Sendable, Equatable {
    var line: Int
    var column: Int
    static let unknown = SourcePosition(line: 0, column: 0)
}
