/// Why a key, usage or database operation failed. Messages are meant for people (the CLI prints them as
/// they are); `code` is for programs. Secrets never appear in a message.
public struct AccountsError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Equatable {
        /// No key has this id, and no active key has this name.
        case unknownKey
        /// The text names more than one key (one key's id and another active key's name).
        case ambiguousKey
        /// The key is already revoked.
        case alreadyRevoked
        /// An active key already has this name.
        case duplicateName
        /// A field is out of range (an empty name, a limit below 1, an empty model name).
        case invalidArgument
        /// The database could not be opened, migrated, read or written.
        case database
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
