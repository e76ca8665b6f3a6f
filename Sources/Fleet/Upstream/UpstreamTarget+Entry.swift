extension UpstreamTarget {
    /// The target a configuration file's `upstream:` entry describes (its key already resolved).
    public init(_ entry: UpstreamEntry) {
        self.init(baseURL: entry.baseURL, model: entry.model, apiKey: entry.apiKey, timeout: entry.timeout,
            maxConcurrency: entry.maxConcurrency, healthURL: entry.healthURL)
    }
}
