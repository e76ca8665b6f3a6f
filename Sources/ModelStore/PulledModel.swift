import Foundation

/// The outcome of a pull: where the model file is and what it contains.
public struct PulledModel: Sendable, Equatable {
    /// How the file came to be where `path` says.
    public enum Origin: Sendable, Equatable {
        /// Downloaded, extracted and verified by this pull.
        case downloaded
        /// Already in the store with the expected size; nothing was fetched.
        case alreadyPresent
        /// A local GGUF file, referenced in place (not copied).
        case local
    }

    /// The absolute location of the GGUF file.
    public var path: URL
    /// Lowercase hex SHA-256. For `.alreadyPresent` without `verify` this is the catalogue's
    /// digest, which the file had when it was stored.
    public var sha256: String
    /// The file's size in bytes.
    public var byteCount: Int64
    /// Whether this pull downloaded the file, found it stored, or checked a local file.
    public var origin: Origin

    /// A pull's outcome (public so tests and other stores can build one).
    public init(path: URL, sha256: String, byteCount: Int64, origin: Origin) {
        self.path = path
        self.sha256 = sha256
        self.byteCount = byteCount
        self.origin = origin
    }
}
