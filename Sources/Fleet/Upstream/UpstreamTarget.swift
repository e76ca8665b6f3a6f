import Foundation

/// One OpenAI-compatible server a model can be forwarded to.
public struct UpstreamTarget: Sendable, Equatable {
    /// The server's API root, for example `http://127.0.0.1:9001/v1`; `path` is appended to it.
    public var baseURL: String
    /// The upstream's name for the model; `nil` means the same as the public name.
    public var model: String?
    /// Sent as `Authorization: Bearer`; never logged and never put in an error message.
    public var apiKey: String?
    /// The longest silence tolerated: waiting for the response head, and between body bytes.
    public var timeout: Duration
    /// At most this many requests at once (`nil`: no limit); see `UpstreamPoolState`.
    public var maxConcurrency: Int?
    /// Polled every `health.interval`; a target whose check fails is taken out until one passes.
    public var healthURL: String?

    public init(
        baseURL: String, model: String? = nil, apiKey: String? = nil, timeout: Duration = .seconds(600),
        maxConcurrency: Int? = nil, healthURL: String? = nil
    ) {
        self.baseURL = baseURL
        self.model = model
        self.apiKey = apiKey
        self.timeout = timeout
        self.maxConcurrency = maxConcurrency
        self.healthURL = healthURL
    }

    /// The URL of `path` ("chat/completions") under the base URL, with exactly one slash between.
    func url(for path: String) -> String {
        var base = Substring(baseURL)
        while base.hasSuffix("/") { base = base.dropLast() }
        var tail = Substring(path)
        while tail.hasPrefix("/") { tail = tail.dropFirst() }
        return "\(base)/\(tail)"
    }

    /// `host:port` for messages and logs: no scheme, path, or user information.
    var hostDescription: String {
        guard let components = URLComponents(string: baseURL), let host = components.host, !host.isEmpty else {
            return "an upstream server"
        }
        if let port = components.port { return "\(host):\(port)" }
        return host
    }
}
