/// Why a JSON Schema (or tool list) cannot be compiled into a grammar.
public struct SchemaError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, naming the keyword and its location (`#/properties/x`) where known.
    public var message: String
    /// The offending keyword, where one is to blame.
    public var keyword: String?

    public init(_ message: String, keyword: String? = nil) {
        self.message = message
        self.keyword = keyword
    }

    static func unsupported(_ keyword: String, at path: String) -> SchemaError {
        SchemaError("unsupported JSON Schema keyword '\(keyword)' at \(path)", keyword: keyword)
    }

    static func invalid(_ keyword: String, at path: String, _ reason: String) -> SchemaError {
        SchemaError("invalid JSON Schema keyword '\(keyword)' at \(path): \(reason)", keyword: keyword)
    }

    public var description: String { message }
}
