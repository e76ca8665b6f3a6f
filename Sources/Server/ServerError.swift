/// Why the server cannot start as configured.
public enum ServerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Binding a non-loopback address without API keys would open the model to anyone.
    case unauthenticatedPublicAddress(String)
    case invalidConfiguration(String)

    public var description: String {
        switch self {
        case .unauthenticatedPublicAddress(let host):
            "refusing to listen on \(host) without an API key: set --api-key or SWITCHYARD_API_KEYS, or listen on 127.0.0.1"
        case .invalidConfiguration(let reason): "invalid configuration: \(reason)"
        }
    }
}
