import Foundation

/// An OpenAI-compatible endpoint as an application would configure it: a base URL (as given to
/// the official SDKs, e.g. `http://localhost:8080/v1`), an API key and a model name.
public struct Endpoint: Sendable, Hashable, Encodable {
    /// A short label for reports ("A", "B", "vllm", ...).
    public var name: String
    /// The base URL without a trailing slash; requests go to `baseURL + "/chat/completions"`.
    public var baseURL: String
    /// Never written into reports.
    public var apiKey: String?
    public var model: String
    /// Per-request timeout in seconds.
    public var timeout: Double

    /// Builds an endpoint; a base URL without a path gets `/v1` appended, as the SDKs expect.
    public init(name: String, baseURL: String, apiKey: String?, model: String, timeout: Double = 60) {
        self.name = name
        self.baseURL = Endpoint.normalize(baseURL)
        self.apiKey = apiKey
        self.model = model
        self.timeout = timeout
    }

    enum CodingKeys: String, CodingKey {
        case name, baseURL = "base_url", model, timeout
    }

    static func normalize(_ url: String) -> String {
        var trimmed = url
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let schemeEnd = trimmed.range(of: "://") else { return trimmed }
        let afterScheme = trimmed[schemeEnd.upperBound...]
        return afterScheme.contains("/") ? trimmed : trimmed + "/v1"
    }

    /// The URL of the server root (the base URL less a trailing `/v1`), for admin calls.
    public var rootURL: String {
        baseURL.hasSuffix("/v1") ? String(baseURL.dropLast(3)) : baseURL
    }

    /// Parses an endpoint spec such as `url=http://host:8080/v1,model=x,key_env=KEY,name=B`.
    ///
    /// Keys: `url` (required), `model` (required unless `defaultModel` is given), `key`,
    /// `key_env` (the name of an environment variable holding the key), `name`, `timeout`.
    /// - Parameter environment: where `key_env` is looked up.
    public static func parse(
        spec: String, defaultName: String, defaultModel: String? = nil, defaultTimeout: Double = 60,
        environment: [String: String]
    ) throws(CutoverError) -> Endpoint {
        var fields: [String: String] = [:]
        for part in spec.split(separator: ",", omittingEmptySubsequences: true) {
            guard let equals = part.firstIndex(of: "=") else {
                throw CutoverError(.invalidInput, "endpoint spec part '\(part)' is not key=value (in '\(spec)')")
            }
            let key = part[..<equals].trimmingSpaces.lowercased()
            let value = part[part.index(after: equals)...].trimmingSpaces
            guard ["url", "model", "key", "key_env", "name", "timeout"].contains(key) else {
                throw CutoverError(.invalidInput, "unknown endpoint spec key '\(key)' (use url, model, key, key_env, name, timeout)")
            }
            fields[key] = value
        }
        guard let url = fields["url"], url.hasPrefix("http://") || url.hasPrefix("https://") else {
            throw CutoverError(.invalidInput, "endpoint spec '\(spec)' needs url=http(s)://...")
        }
        guard let model = fields["model"] ?? defaultModel else {
            throw CutoverError(.invalidInput, "endpoint spec '\(spec)' needs model=...")
        }
        var key = fields["key"]
        if let variable = fields["key_env"] {
            guard let value = environment[variable] else {
                throw CutoverError(.invalidInput, "environment variable \(variable) (key_env) is not set")
            }
            key = value
        }
        var timeout = defaultTimeout
        if let text = fields["timeout"] {
            guard let value = Double(text), value > 0 else {
                throw CutoverError(.invalidInput, "timeout '\(text)' is not a positive number of seconds")
            }
            timeout = value
        }
        return Endpoint(name: fields["name"] ?? defaultName, baseURL: url, apiKey: key, model: model, timeout: timeout)
    }
}

extension Substring {
    var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
