/// A problem in the fleet configuration file, naming the file, line and column:
/// `switchyard.yaml:12:5: unknown key 'idle_timout' in tier 'gpu' (did you mean 'idle_timeout'?)`.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file (or the source name given to `parse`).
    public var source: String
    /// 1-based line; 0 when the problem is not at a place in the file (it cannot be read).
    public var line: Int
    /// 1-based column; 0 when unknown.
    public var column: Int
    /// What is wrong, without the position.
    public var message: String

    public init(source: String, line: Int, column: Int, message: String) {
        self.source = source
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        line > 0 ? "\(source):\(line):\(column): \(message)" : "\(source): \(message)"
    }
}
