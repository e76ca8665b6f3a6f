import Foundation

/// Where a plain-HTTP target listens, read once from its base URL, for the direct exchange
/// (`UpstreamDirectExchange`): host, port and the path prefix. HTTPS targets, Unix sockets and
/// URLs with user information have none and are served by async-http-client only.
struct UpstreamEndpoint: Sendable, Hashable {
    let host: String
    let port: Int
    /// The base URL's path without its trailing slashes ("/v1").
    let basePath: String
    /// `Host:` header value.
    let authority: String

    init?(baseURL: String) {
        guard let components = URLComponents(string: baseURL), components.scheme?.lowercased() == "http",
            let host = components.host, !host.isEmpty, components.user == nil, components.password == nil,
            components.query == nil, components.fragment == nil
        else { return nil }
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        self.port = components.port ?? 80
        var path = Substring(components.percentEncodedPath)
        while path.hasSuffix("/") { path = path.dropLast() }
        self.basePath = String(path)
        self.authority = components.port.map { "\(host):\($0)" } ?? host
    }

    /// The request target of `path` ("chat/completions"), as `UpstreamTarget.url(for:)` joins them.
    func requestPath(_ path: String) -> String {
        var tail = Substring(path)
        while tail.hasPrefix("/") { tail = tail.dropFirst() }
        return "\(basePath)/\(tail)"
    }
}
