import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1
import OpenAIWire
import Synchronization

/// How an upstream model serves the Responses API.
public enum ResponsesMode: String, Sendable, Equatable {
    /// The upstream serves `/v1/responses`: requests are forwarded as they came.
    case native
    /// It does not: Switchyard runs each turn as a chat completion and keeps the chain itself.
    case bridge
}

extension UpstreamBackend {
    /// The model's `responses:` setting, else what a probe of the first target finds (probed once;
    /// a probe that reaches no server decides nothing and is retried by the next request).
    public func responsesMode() async -> ResponsesMode {
        if let responsesSetting { return responsesSetting }
        if let probed = probedResponses.withLock({ $0 }) { return probed }
        guard let mode = await probeResponses() else { return .bridge }
        probedResponses.withLock { $0 = mode }
        logger.info("upstream responses mode detected", metadata: ["model": .string(publicName), "responses.mode": .string(mode.rawValue)])
        return mode
    }

    /// One small non-streamed, unstored request to the first target's `/responses`: a 404, 405
    /// or 501 (no such route) means bridge; any other answer, even a 400 about the request, means
    /// the route exists.
    func probeResponses() async -> ResponsesMode? {
        guard let target = targets.first else { return nil }
        let translator = UpstreamTranslator(publicName: publicName, target: target)
        let body: JSONObject = JSONObject([
            "model": .string(translator.upstreamModel), "input": "ping", "max_output_tokens": 16, "store": false,
        ])
        let request = makeRequest(
            target: target, path: "responses", body: ByteBuffer(string: JSONValue.object(body).jsonString), stream: false,
            requestID: "probe-responses")
        do {
            let response = try await httpClient.execute(request, timeout: .seconds(30))
            _ = try? await response.body.collect(upTo: 1 << 20)
            return [404, 405, 501].contains(Int(response.status.code)) ? .bridge : .native
        } catch {
            return nil
        }
    }
}
