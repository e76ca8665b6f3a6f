/// One OpenAI-compatible server a model is forwarded to.
public struct UpstreamEntry: Sendable, Equatable {
    /// `base_url`, e.g. `http://127.0.0.1:9001/v1`, without a trailing slash.
    public var baseURL: String
    /// The upstream's name for the model; nil sends the public name.
    public var model: String?
    /// Resolved from `api_key_env` at load time. Never printed.
    public var apiKey: String?
    /// The environment variable the key came from.
    public var apiKeyEnv: String?
    /// `timeout` (default 600 s): the longest silence tolerated while reading a reply.
    public var timeout: Duration
    /// `max_concurrency`: requests this target takes at once (`nil`: no limit).
    public var maxConcurrency: Int?
    /// `health_url`: polled every `health.interval` of the model; a 2xx passes.
    public var healthURL: String?

    public init(
        baseURL: String, model: String? = nil, apiKey: String? = nil, apiKeyEnv: String? = nil,
        timeout: Duration = .seconds(600)
    ) {
        self.baseURL = baseURL
        self.model = model
        self.apiKey = apiKey
        self.apiKeyEnv = apiKeyEnv
        self.timeout = timeout
    }
}

extension UpstreamEntry: CustomStringConvertible {
    /// The entry without its key.
    public var description: String {
        "UpstreamEntry(baseURL: \(baseURL), model: \(model ?? "-"), apiKeyEnv: \(apiKeyEnv ?? "-"), timeout: \(timeout), maxConcurrency: \(maxConcurrency.map { "\($0)" } ?? "-"), healthURL: \(healthURL ?? "-"))"
    }
}
