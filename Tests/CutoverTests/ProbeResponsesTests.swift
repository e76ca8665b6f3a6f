import Cutover
import Foundation
import OpenAIWire
import Testing

/// The Responses and embeddings probe features against scripted servers: each verdict says
/// what the server did (served, kept nothing, ignored the chain, not served at all).
@Suite struct ProbeResponsesTests {
    static let extraFeatures: [ProbeFeature] = [.responses, .responsesStream, .responsesStore, .responsesTextFormat, .embeddings]

    static func response(_ text: String, inputTokens: Int = 10, previous: String? = nil) -> String {
        let previousField = previous.map { "\"\($0)\"" } ?? "null"
        return #"{"id":"resp_1","object":"response","created_at":1,"status":"completed","model":"m","previous_response_id":"#
            + previousField + #","output":[{"type":"message","id":"msg_1","status":"completed","role":"assistant","content":[{"type":"output_text","text":"#
            + JSONValue.string(text).jsonString + #","annotations":[]}]}],"usage":{"input_tokens":"#
            + "\(inputTokens)" + #","output_tokens":3,"total_tokens":13}}"#
    }

    static func responseEvents(_ deltas: [String]) -> [String] {
        let full = deltas.joined()
        var events = [#"{"type":"response.created","sequence_number":0,"response":{"id":"resp_1","object":"response","status":"in_progress","output":[]}}"#]
        for (index, delta) in deltas.enumerated() {
            events.append(#"{"type":"response.output_text.delta","sequence_number":"# + "\(index + 1)"
                + #","item_id":"msg_1","output_index":0,"content_index":0,"delta":"# + JSONValue.string(delta).jsonString + "}")
        }
        events.append(#"{"type":"response.output_text.done","sequence_number":"# + "\(deltas.count + 1)"
            + #","item_id":"msg_1","output_index":0,"content_index":0,"text":"# + JSONValue.string(full).jsonString + "}")
        events.append(#"{"type":"response.completed","sequence_number":"# + "\(deltas.count + 2)" + #","response":"# + response(full) + "}")
        return events
    }

    static let floats = #"{"object":"list","model":"e","data":[{"object":"embedding","index":0,"embedding":[0.5,-0.25,1.0]},{"object":"embedding","index":1,"embedding":[0.25,0.5,-1.0]}],"usage":{"prompt_tokens":12,"total_tokens":12}}"#
    static let base64 = #"{"object":"list","model":"e","data":[{"object":"embedding","index":0,"embedding":"AAAAPwAAgL4AAIA/"},{"object":"embedding","index":1,"embedding":"AACAPgAAAD8AAIC/"}],"usage":{"prompt_tokens":12,"total_tokens":12}}"#

    static func probe(_ server: ScriptedServer, embeddingModel: String? = nil) async throws -> ProbeReport {
        let client = OpenAIClient(stallTimeout: 10)
        let endpoint = Endpoint(name: "scripted", baseURL: server.baseURL, apiKey: "k", model: "m", timeout: 10)
        let report = try await ProbeRunner(client: client, endpoint: endpoint, features: extraFeatures, embeddingModel: embeddingModel).run()
        await client.shutdown()
        return report
    }

    @Test func aServerWithoutTheEndpointsIsRejectedAndEmbeddingsSkippedWithoutAModel() async throws {
        let server = try ScriptedServer { _, _ in
            .bytes(RawResponse.json(#"{"error":{"message":"File Not Found","type":"not_found_error","param":null,"code":null}}"#, status: "404 Not Found"))
        }
        defer { server.stop() }
        let report = try await Self.probe(server)
        #expect(report.results.map(\.feature) == Self.extraFeatures)
        for feature in [ProbeFeature.responses, .responsesStream, .responsesStore, .responsesTextFormat] {
            #expect(report.result(feature)?.status == .rejected)
            #expect(report.result(feature)?.httpStatus == 404)
            #expect(report.result(feature)?.detail == "POST /v1/responses not served: File Not Found")
        }
        let embeddings = try #require(report.result(.embeddings))
        #expect(embeddings.status == .skipped)
        #expect(embeddings.detail == "no --embedding-model given and GET /v1/models answered 404 without a model list")
        #expect(report.broken.isEmpty)
    }

    /// Like llama-server: responses and their stream are served, nothing is kept, text.format is
    /// dropped; embeddings are served, base64 included.
    @Test func aStatelessServerKeepsNothingAndDropsTextFormat() async throws {
        let server = try ScriptedServer { _, body in
            if body.isEmpty { return .bytes(RawResponse.json(#"{"error":{"message":"not found","type":"invalid_request_error"}}"#, status: "404 Not Found")) }
            if body.contains("\"stream\":true") { return .bytes(RawResponse.stream(Self.responseEvents(["1, 2", ", 3"])), close: true) }
            if body.contains("base64") { return .bytes(RawResponse.json(Self.base64)) }
            if body.contains("encoding_format") { return .bytes(RawResponse.json(Self.floats)) }
            return .bytes(RawResponse.json(Self.response("Here is a person: Ann, 31.")))
        }
        defer { server.stop() }
        let report = try await Self.probe(server, embeddingModel: "e")
        #expect(report.result(.responses)?.status == .supported)
        #expect(report.result(.responses)?.detail == "reply 'Here is a person: Ann, 31.' (completed, 3 output tokens)")
        let stream = try #require(report.result(.responsesStream))
        #expect(stream.status == .supported, "\(stream.detail)")
        #expect(stream.detail == "5 events, 2 text deltas adding up to '1, 2, 3', ending response.completed")
        let store = try #require(report.result(.responsesStore))
        #expect(store.status == .ignored)
        #expect(store.detail == "created with store: true, but GET /v1/responses/{id} answers 404 (not kept)")
        let format = try #require(report.result(.responsesTextFormat))
        #expect(format.status == .ignored)
        #expect(format.detail == "output is not JSON: 'Here is a person: Ann, 31.'")
        let embeddings = try #require(report.result(.embeddings))
        #expect(embeddings.status == .supported, "\(embeddings.detail)")
        #expect(embeddings.detail == "model e: 2 vectors of 3 floats, usage.prompt_tokens 12; base64 decodes to the same numbers")
        #expect(server.requests.filter { $0.contains("\"model\":\"e\"") }.count == 2, "both embeddings requests name the --embedding-model")
    }

    /// A server that keeps the response but does not render the earlier turn into the
    /// continuation: the prompt is no longer with the chain than without.
    @Test func aChainThatDoesNotReachThePromptIsIgnored() async throws {
        let server = try ScriptedServer { number, body in
            if body.isEmpty { return .bytes(RawResponse.json(number == 1 ? Self.response("Nice to meet you.") : #"{"id":"resp_1","object":"response","deleted":true}"#)) }
            if body.contains("previous_response_id") { return .bytes(RawResponse.json(Self.response("I do not know.", previous: "resp_1"))) }
            return .bytes(RawResponse.json(Self.response("Nice to meet you.")))
        }
        defer { server.stop() }
        let client = OpenAIClient(stallTimeout: 10)
        let endpoint = Endpoint(name: "scripted", baseURL: server.baseURL, apiKey: "k", model: "m", timeout: 10)
        let result = try await ProbeRunner(client: client, endpoint: endpoint).probe(.responsesStore)
        await client.shutdown()
        #expect(result.status == .ignored)
        #expect(result.detail == "the earlier turn was not in the prompt: input_tokens 10 with the chain, 10 without; reply 'I do not know.'")
    }

    /// Embeddings whose base64 form decodes to other numbers are broken; floats for base64 deviate.
    @Test func embeddingsBase64IsCheckedAgainstTheFloats() async throws {
        let wrong = Self.base64.replacingOccurrences(of: "AAAAPwAAgL4AAIA/", with: "AACAPwAAgL4AAIA/")
        for (reply, status) in [(wrong, ProbeStatus.broken), (Self.floats, .deviates)] {
            let server = try ScriptedServer { _, body in
                if body.isEmpty {
                    return .bytes(RawResponse.json(#"{"object":"list","data":[{"id":"m","object":"model"},{"id":"e","object":"model","type":"embedding"}]}"#))
                }
                return .bytes(RawResponse.json(body.contains("base64") ? reply : Self.floats))
            }
            defer { server.stop() }
            let client = OpenAIClient(stallTimeout: 10)
            let endpoint = Endpoint(name: "scripted", baseURL: server.baseURL, apiKey: "k", model: "m", timeout: 10)
            let result = try await ProbeRunner(client: client, endpoint: endpoint).probe(.embeddings)
            await client.shutdown()
            #expect(result.status == status, "\(result.detail)")
            #expect(result.detail.hasPrefix("model e: 2 vectors of 3 floats"), "the model /v1/models marks as an embedding model")
        }
    }
}
