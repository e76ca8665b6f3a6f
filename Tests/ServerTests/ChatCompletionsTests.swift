import HTTPTypes
import Engine
import Fleet
import HummingbirdTesting
import OpenAIWire
import Server
import Testing

@Suite struct ChatCompletionsTests {
    @Test func plainCompletionHasOpenAIShape() async throws {
        let backend = FakeBackend()
        try await withServer(backend) { client in
            let response = try await client.post("/v1/chat/completions", chatBody)
            #expect(response.status == .ok)
            let body = try response.json
            #expect(body["object"] == "chat.completion")
            #expect(body["id"]?.stringValue?.hasPrefix("chatcmpl-") == true)
            #expect(body["model"] == "fake-model")
            #expect(body["system_fingerprint"] == "fp_fake")
            let choice = try #require(body["choices"]?.arrayValue?.first)
            #expect(choice["index"] == 0)
            #expect(choice["message"]?["role"] == "assistant")
            #expect(choice["finish_reason"] == "stop")
            #expect(choice["logprobs"] == .null)
            let content = try #require(choice["message"]?["content"]?.stringValue)
            #expect(content.hasSuffix("ello from the fake model."))
            // Usage counts the rendered prompt ("user: Hi\nassistant:") in the fake's byte tokens.
            #expect(body["usage"]?["prompt_tokens"] == .int("user: Hi\nassistant:".utf8.count))
            #expect(body["usage"]?["completion_tokens"] == .int("Hello from the fake model.".utf8.count))
            #expect(body["usage"]?["total_tokens"]?.intValue == ("user: Hi\nassistant:".utf8.count + 26))
            #expect(response.header("x-request-id")?.hasPrefix("req_") == true)
            #expect(response.header("x-switchyard-defaulted") == "max_tokens, temperature, top_p, seed")
        }
        let request = try #require(backend.lastRequest)
        #expect(request.sampling.temperature == 0.7)
        #expect(request.sampling.topP == 0.95)
        #expect(request.maxTokens == 256 - "user: Hi\nassistant:".utf8.count)
    }

    @Test func parametersReachTheEngineAndNothingIsDefaulted() async throws {
        let backend = FakeBackend()
        try await withServer(backend) { client in
            let response = try await client.post(
                "/v1/chat/completions",
                #"{"model":"fake-model","messages":[{"role":"system","content":"Be brief"},{"role":"developer","content":"x"},{"role":"user","content":[{"type":"text","text":"Hi"},{"type":"text","text":" there"}]}],"temperature":0,"top_p":0.5,"max_completion_tokens":5,"seed":7,"top_k":40,"min_p":0.05,"repetition_penalty":1.1,"presence_penalty":0.5,"frequency_penalty":-0.5,"logit_bias":{"65":-100},"ignore_eos":true,"min_tokens":2,"stop":["zz"],"user":"u1"}"#)
            #expect(response.status == .ok, "\(response.text)")
            #expect(response.header("x-switchyard-defaulted") == nil)
            #expect(try response.json["choices"]?[0]?["finish_reason"] == "length")
        }
        let request = try #require(backend.lastRequest)
        #expect(request.sampling == SamplingParametersExpectation.expected)
        #expect(request.maxTokens == 5)
        #expect(request.minTokens == 2)
        #expect(request.ignoreEOS)
        #expect(request.stopSequences == ["zz"])
        let prompt = try FakeBackend().detokenize(request.promptTokens)
        #expect(prompt == "system: Be brief\nsystem: x\nuser: Hi there\nassistant:")
    }

    @Test func streamFramingFollowsTheWireContract() async throws {
        try await withServer { client in
            let response = try await client.post(
                "/v1/chat/completions",
                #"{"model":"fake-model","messages":[{"role":"user","content":"Hi"}],"stream":true,"stream_options":{"include_usage":true},"max_tokens":4}"#)
            #expect(response.status == .ok)
            #expect(response.header("content-type") == "text/event-stream")
            let text = response.text
            #expect(text.hasPrefix("data: {"))
            #expect(text.hasSuffix("data: [DONE]\n\n"))
            let events = try response.events
            let ids = Set(events.compactMap { $0["id"]?.stringValue })
            let created = Set(events.compactMap { $0["created"]?.intValue })
            #expect(ids.count == 1 && created.count == 1)
            #expect(events.allSatisfy { $0["object"] == "chat.completion.chunk" })
            #expect(events.first?["choices"]?[0]?["delta"]?["role"] == "assistant")
            let content = events.compactMap { $0["choices"]?[0]?["delta"]?["content"]?.stringValue }.joined()
            #expect(content.count == 4)
            let last = try #require(events.last)
            #expect(last["choices"] == .array([]))
            #expect(last["usage"]?["completion_tokens"] == 4)
            // Before the usage chunk, usage is null on every chunk, and the choice finished with "length".
            #expect(events.dropLast().allSatisfy { $0["usage"] == .null })
            #expect(events.dropLast().last?["choices"]?[0]?["finish_reason"] == "length")
        }
    }

    @Test func nChoicesAndLogprobs() async throws {
        try await withServer { client in
            let response = try await client.post(
                "/v1/chat/completions",
                #"{"model":"fake-model","messages":[{"role":"user","content":"Hi"}],"n":3,"logprobs":true,"top_logprobs":2,"max_tokens":3,"seed":1}"#)
            #expect(response.status == .ok)
            let choices = try #require(try response.json["choices"]?.arrayValue)
            #expect(choices.map { $0["index"] } == [0, 1, 2])
            // Each choice gets its own seed, so the choices differ.
            #expect(Set(choices.compactMap { $0["message"]?["content"]?.stringValue }).count == 3)
            let content = try #require(choices[0]["logprobs"]?["content"]?.arrayValue)
            #expect(content.count == 3)
            #expect(content[0]["top_logprobs"]?.arrayValue?.count == 2)
            #expect(content[0]["bytes"]?.arrayValue?.count == 1)
            #expect(try response.json["usage"]?["completion_tokens"] == 9)
        }
    }

    @Test func sameSeedSameText() async throws {
        try await withServer { client in
            let body = #"{"model":"fake-model","messages":[{"role":"user","content":"Hi"}],"seed":42,"temperature":1}"#
            let first = try await client.post("/v1/chat/completions", body).json["choices"]?[0]?["message"]?["content"]
            let second = try await client.post("/v1/chat/completions", body).json["choices"]?[0]?["message"]?["content"]
            #expect(first != nil && first == second)
        }
    }

    @Test func errorAfterStreamBeganIsOneErrorEvent() async throws {
        var behaviour = FakeBackend.Behaviour()
        behaviour.failAfter = 2
        try await withServer(FakeBackend(behaviour: behaviour)) { client in
            let response = try await client.post(
                "/v1/chat/completions", #"{"model":"fake-model","messages":[{"role":"user","content":"Hi"}],"stream":true}"#)
            #expect(response.status == .ok)
            #expect(!response.text.contains("[DONE]"))
            let events = try response.events
            let last = try #require(events.last)
            #expect(last["error"]?["message"] == "the fake model failed on purpose")
            #expect(last["error"]?["type"] == "invalid_request_error")
            #expect(events.filter { $0["error"] != nil }.count == 1)
        }
    }
}

/// What `parametersReachTheEngineAndNothingIsDefaulted` sends, as the engine should receive it.
enum SamplingParametersExpectation {
    static var expected: Engine.SamplingParameters {
        Engine.SamplingParameters(
            temperature: 0, topP: 0.5, topK: 40, minP: 0.05, repetitionPenalty: 1.1, presencePenalty: 0.5, frequencyPenalty: -0.5,
            logitBias: [65: -100], seed: 7)
    }
}
