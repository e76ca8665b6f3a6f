import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OpenAIWire
import Synchronization

/// Talks to an OpenAI-compatible endpoint over HTTP exactly as an application would.
///
/// Only an endpoint that cannot be reached at all (refused, DNS, TLS, connect timeout) throws
/// `CutoverError.Kind.connection`. Anything that happens once the server accepted the
/// connection — a dropped connection, a stalled or malformed stream, a 500, an HTML page — is
/// returned in the outcome for the caller to judge, so one bad request never ends a run.
public final class OpenAIClient: Sendable {
    private let http: HTTPClient
    /// How many times a request is sent again after finding its pooled connection closed.
    static let closedConnectionRetries = 3
    /// Origins (scheme, host, port) that have answered a request, so that a connection to them
    /// may sit in the pool: only there can a close before the response be the keep-alive race.
    private let answeredOrigins = Mutex(Set<String>())

    /// - Parameters:
    ///   - maxConnectionsPerHost: enough for the highest benchmark concurrency.
    ///   - stallTimeout: seconds without a byte from the server after which a request (or a
    ///     stream) counts as stalled; give the longest endpoint timeout in use.
    public init(maxConnectionsPerHost: Int = 64, stallTimeout: Double = 120) {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: maxConnectionsPerHost)
        configuration.timeout = .init(
            connect: .seconds(10), read: .milliseconds(Int64(max(stallTimeout, 0.001) * 1000)))
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Closes connections; call once when done.
    public func shutdown() async {
        try? await http.shutdown()
    }

    /// Sends a request with a JSON body (or none) and reads the whole response. A request the
    /// server failed below HTTP comes back with status 0 and the reason in `transportFailure`.
    public func send(
        _ endpoint: Endpoint, method: String = "POST", url: String? = nil, path: String, body: JSONValue?
    ) async throws(CutoverError) -> HTTPExchange {
        let request = makeRequest(endpoint, method: method, url: (url ?? endpoint.baseURL) + path, body: body)
        let start = ContinuousClock.now
        let response: HTTPClientResponse
        switch try await execute(request, endpoint: endpoint) {
        case .failure(let reason):
            return HTTPExchange(status: 0, headers: [:], body: "", elapsed: seconds(since: start), transportFailure: reason)
        case .success(let value, _):
            response = value
        }
        var bytes: [UInt8] = []
        var failure: String?
        do {
            for try await buffer in response.body { bytes.append(contentsOf: buffer.readableBytesView) }
        } catch {
            failure = "reading the body of \(path) failed: \(TransportFailure.describe(error, timeout: endpoint.timeout))"
        }
        return HTTPExchange(
            status: Int(response.status.code), headers: Self.headers(response.headers),
            body: String(decoding: bytes, as: UTF8.self), elapsed: seconds(since: start), transportFailure: failure)
    }

    /// Sends a chat completion request; streams when `body["stream"]` is true.
    /// The endpoint's model is filled in unless the body names one.
    public func chat(_ endpoint: Endpoint, body: JSONValue) async throws(CutoverError) -> ChatOutcome {
        var object = body.objectValue ?? JSONObject()
        if object["model"] == nil { object["model"] = .string(endpoint.model) }
        let streamed = object["stream"]?.boolValue ?? false
        let request = makeRequest(endpoint, method: "POST", url: endpoint.baseURL + "/chat/completions", body: .object(object))
        var accumulator = ChatAccumulator()
        accumulator.outcome.streamed = streamed
        let start = ContinuousClock.now
        let response: HTTPClientResponse
        switch try await execute(request, endpoint: endpoint) {
        case .failure(let reason):
            accumulator.outcome.transportFailure = reason
            accumulator.outcome.totalLatency = seconds(since: start)
            return accumulator.outcome
        case .success(let value, let retries):
            response = value
            accumulator.outcome.connectionRetries = retries
        }
        accumulator.outcome.status = Int(response.status.code)
        accumulator.outcome.headers = Self.headers(response.headers)
        let contentType = accumulator.outcome.headers["content-type"] ?? ""
        if streamed && response.status == .ok {
            if !contentType.contains("text/event-stream") {
                accumulator.noteEnvelope("streamed response has content-type '\(contentType)', not text/event-stream")
            }
            var parser = SSEParser()
            do {
                for try await buffer in response.body {
                    let time = seconds(since: start)
                    for event in parser.feed(buffer.readableBytesView) { accumulator.readEvent(event, time: time) }
                }
            } catch {
                accumulator.outcome.transportFailure = "stream broke off after \(accumulator.chunksRead) chunk(s): "
                    + TransportFailure.describe(error, timeout: endpoint.timeout)
            }
            for event in parser.finish() { accumulator.readEvent(event, time: seconds(since: start)) }
            accumulator.finishStream(parserProblems: parser.problems)
        } else {
            var bytes: [UInt8] = []
            do {
                for try await buffer in response.body { bytes.append(contentsOf: buffer.readableBytesView) }
            } catch {
                accumulator.outcome.transportFailure = "response body broke off after \(bytes.count) bytes: "
                    + TransportFailure.describe(error, timeout: endpoint.timeout)
            }
            accumulator.readBody(String(decoding: bytes, as: UTF8.self), elapsed: seconds(since: start))
        }
        return accumulator.outcome
    }

    private func makeRequest(_ endpoint: Endpoint, method: String, url: String, body: JSONValue?) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        request.headers.add(name: "User-Agent", value: "switchyard-cutover/1")
        if let key = endpoint.apiKey { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body.jsonString))
        }
        return request
    }

    private enum Execution {
        case success(HTTPClientResponse, retries: Int)
        case failure(String)
    }

    /// Sends `request`, again on a new connection when the pooled one turned out closed before a
    /// byte was written (as the OpenAI SDKs do). Throws only when the endpoint is unreachable.
    private func execute(_ request: HTTPClientRequest, endpoint: Endpoint) async throws(CutoverError) -> Execution {
        var retries = 0
        while true {
            do {
                let response = try await http.execute(request, timeout: .milliseconds(Int64(endpoint.timeout * 1000)))
                answeredOrigins.withLock { _ = $0.insert(Self.origin(of: request.url)) }
                return .success(response, retries: retries)
            } catch {
                let failure = TransportFailure(error, timeout: endpoint.timeout)
                switch failure.kind {
                case .closedBeforeSending where retries < Self.closedConnectionRetries:
                    retries += 1
                // A close before any response byte, from an origin whose connections are pooled: the
                // server dropped an idle connection as the request went out and never read it. The
                // OpenAI SDKs send such a request again (they retry every connection error); a
                // first connection that the server closes on receipt is not retried.
                case .closedBeforeResponse where retries < Self.closedConnectionRetries
                    && answeredOrigins.withLock({ $0.contains(Self.origin(of: request.url)) }):
                    retries += 1
                case .closedBeforeSending, .closedBeforeResponse, .request:
                    return .failure(failure.reason)
                case .unreachable:
                    throw CutoverError(.connection, "\(endpoint.name): \(request.method.rawValue) \(request.url) failed: \(failure.reason)")
                }
            }
        }
    }

    /// "http://host:port" of a URL: the pool's key for its connections.
    static func origin(of url: String) -> String {
        guard let parts = URLComponents(string: url) else { return url }
        let scheme = parts.scheme ?? "http"
        return "\(scheme)://\(parts.host ?? ""):\(parts.port ?? (scheme == "https" ? 443 : 80))"
    }

    private static func headers(_ headers: HTTPHeaders) -> [String: String] {
        var result: [String: String] = [:]
        for (name, value) in headers { result[name.lowercased()] = value }
        return result
    }
}

/// Seconds elapsed since `start`.
func seconds(since start: ContinuousClock.Instant) -> Double {
    (ContinuousClock.now - start).inSeconds
}
