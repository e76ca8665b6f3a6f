import AsyncHTTPClient
import Fleet
import NIOCore
import NIOHTTP1
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Upstream failures are classified by the error's type and errno, not its text.
@Suite struct UpstreamFailureTests {
    static let table: [(any Error & Sendable, UpstreamFailure)] = [
        (HTTPClientError.connectTimeout, .connectTimeout),
        (HTTPClientError.deadlineExceeded, .noResponse),
        (HTTPClientError.readTimeout, .readTimeout),
        (HTTPClientError.remoteConnectionClosed, .connectionClosed),
        (HTTPClientError.tlsHandshakeTimeout, .tls),
        (HTTPClientError.invalidURL, .invalidRequest),
        (HTTPClientError.emptyHost, .invalidRequest),
        (HTTPClientError.alreadyShutdown, .shutDown),
        (HTTPClientError.cancelled, .cancelled),
        (IOError(errnoCode: ECONNREFUSED, reason: "connect"), .connectionRefused),
        (IOError(errnoCode: ECONNRESET, reason: "read"), .connectionReset),
        (IOError(errnoCode: EPIPE, reason: "write"), .connectionReset),
        (IOError(errnoCode: ETIMEDOUT, reason: "connect"), .connectTimeout),
        (IOError(errnoCode: EHOSTUNREACH, reason: "connect"), .unreachable),
        (ChannelError.connectTimeout(.seconds(5)), .connectTimeout),
        (ChannelError.eof, .connectionClosed),
        (ChannelError.ioOnClosedChannel, .connectionClosed),
        (CancellationError(), .cancelled),
    ]

    @Test(arguments: table.indices)
    func classifies(index: Int) {
        let (error, expected) = Self.table[index]
        #expect(UpstreamFailure(classifying: error) == expected)
    }

    /// A message that merely mentions "refused" is not a refused connection.
    @Test func textIsNotSearched() {
        struct Odd: Error, CustomStringConvertible { var description: String { "the tls handshake was refused" } }
        #expect(UpstreamFailure(classifying: Odd()) == .other("the tls handshake was refused"))
    }

    /// Failing to connect to a closed loopback port reaches the classifier as a refused connection.
    @Test func aClosedPortIsRefused() async throws {
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: UpstreamBackend.httpClientConfiguration())
        var request = HTTPClientRequest(url: "http://127.0.0.1:1/v1/chat/completions")
        request.method = .POST
        let failure: UpstreamFailure
        do {
            _ = try await client.execute(request, timeout: .seconds(5))
            failure = .other("answered")
        } catch {
            failure = UpstreamFailure(classifying: error)
        }
        try await client.shutdown()
        #expect(failure == .connectionRefused)
    }
}
