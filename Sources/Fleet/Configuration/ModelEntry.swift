/// One model the configuration serves.
public struct ModelEntry: Sendable, Equatable {
    /// The public id clients send as `model`.
    public var name: String
    /// Other ids that reach this model.
    public var aliases: [String]
    public var backend: BackendEntry
    /// `context_window`: the context length to serve with (embedded) or to advertise (upstream).
    public var contextLength: Int?
    /// `defaults:` merged over `SamplingDefaults()`; nil when the model has no `defaults`.
    public var samplingDefaults: SamplingDefaults?
    /// The line of the entry in the file, for later error messages.
    public var line: Int
    /// `responses:` how an upstream model serves `/v1/responses`; `nil` detects it with a probe.
    public var responses: ResponsesMode?
    /// `balance`, `prefix_length` and `health` of an upstream model; `nil` takes the defaults.
    public var upstreamPool: UpstreamPoolSettings?

    public init(
        name: String, aliases: [String] = [], backend: BackendEntry, contextLength: Int? = nil,
        samplingDefaults: SamplingDefaults? = nil, line: Int = 0
    ) {
        self.name = name
        self.aliases = aliases
        self.backend = backend
        self.contextLength = contextLength
        self.samplingDefaults = samplingDefaults
        self.line = line
    }
}
