import AsyncHTTPClient
import Glibc
import NIOCore
import NIOHTTP1

/// What went wrong below HTTP for one request, and what the kit does about it.
///
/// Only a failure to reach the endpoint at all stops a run; everything that happens on a
/// connection the server accepted is a finding about that one request.
struct TransportFailure: Sendable {
    enum Kind: Sendable {
        /// The connection could not be made (refused, DNS, TLS, connect timeout).
        case unreachable
        /// A pooled connection was already closed when the request was written: not one byte of
        /// the request reached the server, so sending it again on a new connection is safe.
        case closedBeforeSending
        /// The server closed (or reset) the connection before any byte of the response. On a
        /// connection taken from the pool this is the keep-alive race: the server had decided to
        /// close it (llama-server closes after every stream; uvicorn after 5 s idle) while the
        /// request was on its way, so the server never read it.
        case closedBeforeResponse
        /// The server accepted the connection and then failed this request.
        case request
    }

    var kind: Kind
    var reason: String

    /// Classifies an error thrown by AsyncHTTPClient before the response head arrived.
    init(_ error: any Error, timeout: Double) {
        switch error {
        case ChannelError.ioOnClosedChannel, ChannelError.outputClosed:
            self.init(.closedBeforeSending, "the server had closed the pooled connection before the request was written")
        case let error as IOError where error.errnoCode == EPIPE:
            self.init(.closedBeforeSending, "the server had closed the pooled connection before the request was written (EPIPE)")
        case ChannelError.eof:
            self.init(.closedBeforeResponse, Self.describe(error, timeout: timeout))
        case let error as IOError where error.errnoCode == ECONNRESET:
            self.init(.closedBeforeResponse, Self.describe(error, timeout: timeout))
        case let error as HTTPClientError where error == .remoteConnectionClosed:
            self.init(.closedBeforeResponse, Self.describe(error, timeout: timeout))
        case let error as HTTPClientError:
            switch error {
            case .remoteConnectionClosed, .readTimeout, .writeTimeout, .deadlineExceeded, .bodyLengthMismatch,
                 .contentLengthMissing, .identityCodingIncorrectlyPresent:
                self.init(.request, Self.describe(error, timeout: timeout))
            default:
                self.init(.unreachable, "\(error)")
            }
        default:
            if Self.isAfterConnect(error) {
                self.init(.request, Self.describe(error, timeout: timeout))
            } else {
                self.init(.unreachable, "\(error)")
            }
        }
    }

    init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    /// Errors that can only happen once the server has accepted the connection.
    static func isAfterConnect(_ error: any Error) -> Bool {
        switch error {
        case ChannelError.eof, ChannelError.ioOnClosedChannel, ChannelError.outputClosed, ChannelError.alreadyClosed:
            return true
        case is HTTPParserError, is NIOHTTPDecoderError:
            return true
        case let error as IOError:
            return [ECONNRESET, EPIPE].contains(error.errnoCode)
        case let error as HTTPClientError:
            return error == .remoteConnectionClosed || error == .readTimeout || error == .deadlineExceeded
        default:
            return false
        }
    }

    /// A sentence for reports, in the words a user would use.
    static func describe(_ error: any Error, timeout: Double) -> String {
        switch error {
        case ChannelError.eof, HTTPParserError.invalidEOFState:
            return "the server closed the connection"
        case let error as HTTPClientError where error == .remoteConnectionClosed:
            return "the server closed the connection"
        case let error as HTTPClientError where error == .readTimeout:
            return "no bytes from the server for \(format(timeout, digits: 0)) s (stalled)"
        case let error as HTTPClientError where error == .deadlineExceeded:
            return "no response within \(format(timeout, digits: 0)) s"
        case let error as IOError where error.errnoCode == ECONNRESET:
            return "the server reset the connection"
        case is HTTPParserError, is NIOHTTPDecoderError:
            return "the response is not valid HTTP/1.1 (\(error))"
        default:
            return "\(error)"
        }
    }
}
