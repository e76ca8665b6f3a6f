import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OpenAIWire

/// Talks to an OpenAI-compatible endpoint over HTTP exactly as an application would.
///
/// Transport failures before any response (refused, DNS, TLS, timeout) throw
/// `CutoverError.Kind.connection`; anything the server sends back, however malformed,
/// is returned as data for the caller to judge.
public final class OpenAIClient: Sendable {
    private let http: HTTPClient

    /// - Parameter maxConnectionsPerHost: enough for the highest benchmark concurrency.
    public init(maxConnectionsPerHost: Int = 64) {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: maxConnectionsPerHost)
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Closes connections; call once when done.
    public func shutdown() async {
        try? await http.shutdown()
    }

    /// Sends a request with a JSON body (or none) and reads the whole response.
    public func send(
        _ endpoint: Endpoint, method: String = "POST", url: String? = nil, path: String, body: JSONValue?
    ) async throws(CutoverError) -> HTTPExchange {
        let request = makeRequest(endpoint, method: method, url: (url ?? endpoint.baseURL) + path, body: body)
        let start = ContinuousClock.now
        let response = try await execute(request, endpoint: endpoint)
        var bytes: [UInt8] = []
        do {
            for try await buffer in response.body { bytes.append(contentsOf: buffer.readableBytesView) }
        } catch {
            throw CutoverError(.connection, "\(endpoint.name): reading the response of \(path) failed: \(error)")
        }
        return HTTPExchange(
            status: Int(response.status.code), headers: Self.headers(response.headers),
            body: String(decoding: bytes, as: UTF8.self), elapsed: seconds(since: start))
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
        let response = try await execute(request, endpoint: endpoint)
        accumulator.outcome.status = Int(response.status.code)
        accumulator.outcome.headers = Self.headers(response.headers)
        let contentType = accumulator.outcome.headers["content-type"] ?? ""
        if streamed && response.status == .ok {
            if !contentType.contains("text/event-stream") {
                accumulator.note("streamed response has content-type '\(contentType)', not text/event-stream")
            }
            var parser = SSEParser()
            do {
                for try await buffer in response.body {
                    let time = seconds(since: start)
                    for event in parser.feed(buffer.readableBytesView) { accumulator.readEvent(event, time: time) }
                }
            } catch {
                accumulator.note("stream broke off: \(error)")
            }
            for event in parser.finish() { accumulator.readEvent(event, time: seconds(since: start)) }
            accumulator.finishStream(parserProblems: parser.problems)
        } else {
            var bytes: [UInt8] = []
            do {
                for try await buffer in response.body { bytes.append(contentsOf: buffer.readableBytesView) }
            } catch {
                accumulator.note("response body broke off: \(error)")
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

    private func execute(_ request: HTTPClientRequest, endpoint: Endpoint) async throws(CutoverError) -> HTTPClientResponse {
        do {
            return try await http.execute(request, timeout: .milliseconds(Int64(endpoint.timeout * 1000)))
        } catch {
            throw CutoverError(.connection, "\(endpoint.name): \(request.method.rawValue) \(request.url) failed: \(error)")
        }
    }

    private static func headers(_ headers: HTTPHeaders) -> [String: String] {
        var result: [String: String] = [:]
        for (name, value) in headers { result[name.lowercased()] = value }
        return result
    }
}

/// Seconds elapsed since `start`.
func seconds(since start: ContinuousClock.Instant) -> Double {
    let duration = ContinuousClock.now - start
    return Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}
