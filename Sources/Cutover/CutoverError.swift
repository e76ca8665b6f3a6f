/// Why a kit command could not do its work (as opposed to a finding about the endpoint).
public struct CutoverError: Error, Sendable, CustomStringConvertible {
    /// The kind of problem, for callers that map errors to exit codes.
    public enum Kind: String, Sendable {
        /// A malformed endpoint spec, option or input file.
        case invalidInput
        /// The endpoint could not be reached at all (refused, DNS, TLS, timeout before a response).
        case connection
        /// A report could not be written.
        case output
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
