import AsyncHTTPClient
import NIOCore
import NIOPosix
import NIOSSL
#if canImport(Glibc)
import Glibc
#endif

/// Why a request to an upstream failed before a reply arrived, read from the error's type
/// (`HTTPClientError`, `NIOConnectionError`, `IOError`'s errno, `ChannelError`, `NIOSSLError`),
/// never from its text.
public enum UpstreamFailure: Equatable, Sendable {
    case connectionRefused
    case connectionReset
    case connectTimeout
    case nameResolution
    case unreachable
    case tls
    /// The connection closed before the reply was complete.
    case connectionClosed
    case readTimeout
    /// The target accepted the request but sent no response head within its timeout.
    case noResponse
    /// The request cannot be sent as built (a bad URL in the configuration).
    case invalidRequest
    /// The HTTP client was shut down (the server is stopping).
    case shutDown
    case cancelled
    /// Anything else, with a short description.
    case other(String)

    public init(classifying error: any Error) {
        switch error {
        case let error as HTTPClientError: self = Self.classify(error)
        case let error as NIOConnectionError:
            // Every address failed: the first connection error says why; none means DNS found nothing.
            if let first = error.connectionErrors.first {
                self = UpstreamFailure(classifying: first.error)
            } else {
                self = .nameResolution
            }
        case let error as IOError: self = Self.classify(errno: error.errnoCode)
        case let error as ChannelError: self = Self.classify(error)
        case is NIOSSLError, is BoringSSLError, is NIOSSLExtraError: self = .tls
        case is SocketAddressError: self = .nameResolution
        case is CancellationError: self = .cancelled
        default:
            let text = String(describing: error)
            self = .other(text.count > 120 ? String(text.prefix(120)) + "…" : text)
        }
    }

    private static func classify(_ error: HTTPClientError) -> UpstreamFailure {
        switch error {
        case .connectTimeout, .getConnectionFromPoolTimeout: .connectTimeout
        case .deadlineExceeded: .noResponse
        case .readTimeout: .readTimeout
        case .remoteConnectionClosed: .connectionClosed
        case .tlsHandshakeTimeout: .tls
        case .invalidURL, .emptyHost, .emptyScheme, .missingSocketPath: .invalidRequest
        case .alreadyShutdown: .shutDown
        case .cancelled: .cancelled
        default: .other(String(describing: error))
        }
    }

    private static func classify(errno code: CInt) -> UpstreamFailure {
        switch code {
        case ECONNREFUSED: .connectionRefused
        case ECONNRESET, EPIPE, ECONNABORTED: .connectionReset
        case ETIMEDOUT: .connectTimeout
        case EHOSTUNREACH, ENETUNREACH, ENETDOWN, EHOSTDOWN: .unreachable
        default: .other(String(cString: strerror(code)))
        }
    }

    private static func classify(_ error: ChannelError) -> UpstreamFailure {
        switch error {
        case .connectTimeout: .connectTimeout
        case .eof, .ioOnClosedChannel, .alreadyClosed, .outputClosed, .inputClosed: .connectionClosed
        default: .other(String(describing: error))
        }
    }

    /// Whether a retry (on the same target, then the next) may succeed: a failure of the
    /// connection may; a target that accepted the request and said nothing, a request that cannot
    /// be built, a stopping client or a cancelled request will not.
    public var isConnectionFailure: Bool {
        switch self {
        case .noResponse, .invalidRequest, .shutDown, .cancelled: false
        default: true
        }
    }

    /// A short reason for messages and logs, without addresses.
    public func reason(timeout: Duration) -> String {
        switch self {
        case .connectionRefused: "connection refused"
        case .connectionReset: "connection reset"
        case .connectTimeout: "connect timeout"
        case .nameResolution: "name resolution failed"
        case .unreachable: "host unreachable"
        case .tls: "TLS failure"
        case .connectionClosed: "connection closed"
        case .readTimeout: "read timeout"
        case .noResponse: "no response within \(UpstreamBackend.seconds(timeout)) s"
        case .invalidRequest: "invalid upstream URL"
        case .shutDown: "HTTP client shut down"
        case .cancelled: "cancelled"
        case .other(let text): text
        }
    }
}
