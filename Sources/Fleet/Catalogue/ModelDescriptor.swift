/// What a served model is, as `/v1/models` shows it.
public struct ModelDescriptor: Sendable, Equatable {
    /// The id clients send as `model`.
    public var id: String
    /// Tokens of prompt plus completion the model can hold.
    public var contextLength: Int
    public var vocabularySize: Int
    /// `system_fingerprint`: changes when the model file or the engine changes.
    public var fingerprint: String
    /// Unix seconds (the model file's date).
    public var created: Int
    public var ownedBy: String
    /// Other names requests may use for it (the file name, the catalogue name).
    public var aliases: [String]
    /// Whether image or audio content parts can be given to it.
    public var acceptsMedia: Bool
    /// Whether it can answer with tool calls.
    public var supportsToolCalls: Bool
    /// What it serves: chat and text completions, or embeddings.
    public var kind: ModelKind = .generation
    /// How many of its requests run at once; the rest wait in its admission queue.
    public var concurrency: ModelConcurrency = .serverLimit

    public init(
        id: String, contextLength: Int, vocabularySize: Int, fingerprint: String, created: Int, ownedBy: String = "switchyard",
        aliases: [String] = [], acceptsMedia: Bool = false, supportsToolCalls: Bool = false
    ) {
        self.id = id
        self.contextLength = contextLength
        self.vocabularySize = vocabularySize
        self.fingerprint = fingerprint
        self.created = created
        self.ownedBy = ownedBy
        self.aliases = aliases.filter { $0 != id }
        self.acceptsMedia = acceptsMedia
        self.supportsToolCalls = supportsToolCalls
    }
}

/// How many requests to a model run at once.
public enum ModelConcurrency: Sendable, Equatable {
    /// The server's `--max-concurrent`.
    case serverLimit
    /// An embedded engine's generation slots: a request beyond them waits for one.
    case slots(Int)
    /// No limit in front of the model: an upstream pool limits each target by its own
    /// `max_concurrency` (and answers 503 `upstream_busy` when all are full); a gateway's
    /// throughput is the upstreams', not a count of this server's.
    case upstream
}

/// Which endpoints a model serves.
public enum ModelKind: String, Sendable, Equatable {
    /// `/v1/chat/completions` and `/v1/completions`.
    case generation
    /// `/v1/embeddings`.
    case embedding
}
