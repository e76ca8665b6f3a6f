import AsyncHTTPClient
import NIOHTTP1
public import OpenAIWire

/// Reading and deleting a response an upstream stores itself (an upstream whose model serves
/// `/v1/responses` natively keeps its own chain): `GET`/`DELETE responses/{id}` and
/// `GET responses/{id}/input_items`, sent to each target in order until one knows the id.
extension UpstreamBackend {
    /// - Parameters:
    ///   - method: "GET" or "DELETE".
    ///   - path: e.g. "responses/resp_1/input_items?limit=2", appended to each target's base URL.
    /// - Returns: the upstream's JSON with the model renamed to the public name.
    /// - Throws: the upstream's error (a 404 when no target knows the id), 502 when none answered.
    public func storedResponseCall(method: String, path: String, requestID: String) async throws(FleetError) -> JSONValue {
        var failures: [String] = []
        var notFound: OpenAIError?
        for target in targets {
            guard !Task.isCancelled else { throw Self.cancelled }
            let translator = UpstreamTranslator(publicName: publicName, target: target)
            var request = HTTPClientRequest(url: target.url(for: path))
            request.method = HTTPMethod(rawValue: method)
            request.headers.add(name: "Accept", value: "application/json")
            request.headers.add(name: "User-Agent", value: "switchyard")
            request.headers.add(name: "x-request-id", value: requestID)
            if let apiKey = target.apiKey, !apiKey.isEmpty { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
            let response: HTTPClientResponse
            do {
                response = try await httpClient.execute(request, timeout: Self.timeAmount(target.timeout))
            } catch {
                failures.append("\(translator.host) (\(translator.scrub(Self.describe(error, timeout: target.timeout))))")
                continue
            }
            let status = Int(response.status.code)
            if (200..<300).contains(status) {
                guard case .complete(let value, _, _) = try await completeReply(response, target: target, translator: translator) else {
                    throw .upstream(translator.badResponse("answered \(method) \(path) with a stream."))
                }
                return value
            }
            let body = await readErrorBody(response, target: target)
            switch status {
            case 404:
                // Another target (a replica with its own store) may hold it.
                notFound = translator.error(status: status, body: body)
            case 502, 503, 504:
                failures.append("\(translator.host) (HTTP \(status))")
            default:
                throw .upstream(translator.error(status: status, body: body))
            }
        }
        if let notFound { throw .upstream(notFound) }
        let tried = failures.isEmpty ? "no upstream is configured" : failures.joined(separator: ", ")
        throw .upstream(OpenAIError(
            status: 502, message: "No upstream server for model '\(publicName)' could serve the request: \(tried).",
            type: "server_error", code: "upstream_unavailable"))
    }
}
