import Engine
import HTTPTypes
import HummingbirdTesting
import OpenAIWire
import Server
import Testing

@Suite struct CompletionsTests {
    @Test func plainCompletionUsesTheDocumentedDefaultOf16Tokens() async throws {
        try await withServer { client in
            let response = try await client.post("/v1/completions", #"{"model":"fake-model","prompt":"Say hi"}"#)
            #expect(response.status == .ok)
            let body = try response.json
            #expect(body["object"] == "text_completion")
            #expect(body["id"]?.stringValue?.hasPrefix("cmpl-") == true)
            let choice = try #require(body["choices"]?[0])
            #expect(choice["text"]?.stringValue?.utf8.count == 16)
            #expect(choice["finish_reason"] == "length")
            #expect(choice["logprobs"] == .null)
            #expect(body["usage"]?["prompt_tokens"] == 6)
            #expect(response.header("x-switchyard-defaulted") == "max_tokens, temperature, top_p, seed")
        }
    }

    @Test func promptShapesGiveOneChoicePerPromptTimesN() async throws {
        try await withServer { client in
            let strings = try await client.post("/v1/completions", #"{"model":"fake-model","prompt":["ab","cd"],"n":2,"max_tokens":2}"#)
            #expect(try strings.json["choices"]?.arrayValue?.map { $0["index"] } == [0, 1, 2, 3])
            #expect(try strings.json["usage"]?["prompt_tokens"] == 4)
            let ids = try await client.post("/v1/completions", #"{"model":"fake-model","prompt":[104,105],"max_tokens":1,"echo":true}"#)
            #expect(try ids.json["choices"]?[0]?["text"]?.stringValue?.hasPrefix("hi") == true)
            let lists = try await client.post("/v1/completions", #"{"model":"fake-model","prompt":[[104],[105,106]],"max_tokens":1}"#)
            #expect(try lists.json["choices"]?.arrayValue?.count == 2)
            #expect(try lists.json["usage"]?["prompt_tokens"] == 3)
            let outside = try await client.post("/v1/completions", #"{"model":"fake-model","prompt":[104,999]}"#)
            _ = try outside.expectError(status: .badRequest, code: "invalid_value", param: "prompt")
        }
    }

    @Test func logprobsHaveTheLegacyArrays() async throws {
        try await withServer { client in
            let response = try await client.post(
                "/v1/completions", #"{"model":"fake-model","prompt":"ab","max_tokens":3,"logprobs":2,"temperature":0}"#)
            let logprobs = try #require(try response.json["choices"]?[0]?["logprobs"])
            #expect(logprobs["tokens"] == ["H", "e", "l"])
            #expect(logprobs["text_offset"] == [0, 1, 2])
            let expected = Double(FakeBackend.logprob(of: Int(UInt8(ascii: "H"))))
            #expect(logprobs["token_logprobs"]?[0] == .double(expected))
            #expect(logprobs["top_logprobs"]?[0]?.objectValue?.count == 2)
        }
    }

    @Test func echoWithMaxTokensZeroScoresThePrompt() async throws {
        let backend = FakeBackend()
        try await withServer(backend) { client in
            let response = try await client.post(
                "/v1/completions", #"{"model":"fake-model","prompt":"abc","max_tokens":0,"echo":true,"logprobs":1}"#)
            #expect(response.status == .ok, "\(response.text)")
            let choice = try #require(try response.json["choices"]?[0])
            #expect(choice["text"] == "abc")
            #expect(choice["logprobs"]?["tokens"] == ["a", "b", "c"])
            #expect(choice["logprobs"]?["token_logprobs"]?[0] == .null)
            #expect(choice["logprobs"]?["token_logprobs"]?[1] == .double(Double(FakeBackend.logprob(of: 98))))
            #expect(choice["logprobs"]?["top_logprobs"]?[0] == .null)
            #expect(choice["logprobs"]?["text_offset"] == [0, 1, 2])
            #expect(try response.json["usage"]?["completion_tokens"] == 0)
        }
        #expect(backend.lastRequest?.promptLogprobs == 1)
        #expect(backend.lastRequest?.maxTokens == 0)
    }

    @Test func streamedLegacyCompletion() async throws {
        try await withServer { client in
            let response = try await client.post(
                "/v1/completions",
                #"{"model":"fake-model","prompt":"ab","max_tokens":3,"stream":true,"echo":true,"temperature":0,"stream_options":{"include_usage":true}}"#)
            #expect(response.text.hasSuffix("data: [DONE]\n\n"))
            let events = try response.events
            #expect(events.allSatisfy { $0["object"] == "text_completion" })
            let text = events.compactMap { $0["choices"]?[0]?["text"]?.stringValue }.joined()
            #expect(text == "abHel")
            #expect(events.last?["choices"] == .array([]))
            #expect(events.last?["usage"]?["total_tokens"] == 5)
        }
    }
}

@Suite struct TokenizeAndModelTests {
    @Test func tokenizeAndDetokenize() async throws {
        try await withServer { client in
            let prompt = try await client.post("/tokenize", #"{"model":"fake-model","prompt":"hi"}"#)
            #expect(try prompt.json == ["tokens": [104, 105], "count": 2, "max_model_len": 256])
            let messages = try await client.post("/tokenize", #"{"messages":[{"role":"user","content":"Hi"}]}"#)
            #expect(try messages.json["count"]?.intValue == "user: Hi\nassistant:".utf8.count)
            let text = try await client.post("/detokenize", #"{"tokens":[104,105]}"#)
            #expect(try text.json == ["prompt": "hi"])
            let bad = try await client.post("/detokenize", #"{"tokens":[104,"x"]}"#)
            _ = try bad.expectError(status: .badRequest, code: "invalid_type", param: "tokens[1]")
        }
    }

    @Test func modelsListAndDetail() async throws {
        try await withServer { client in
            let list = try await client.get("/v1/models").json
            #expect(list["object"] == "list")
            #expect(list["data"]?[0]?["id"] == "fake-model")
            #expect(list["data"]?[0]?["object"] == "model")
            #expect(list["data"]?[0]?["owned_by"] == "switchyard")
            let model = try await client.get("/v1/models/fake-model").json
            #expect(model["context_window"] == 256)
            #expect(model["sampling_defaults"]?["temperature"] == 0.7)
            #expect(model["sampling_defaults"]?["top_p"] == 0.95)
        }
    }

    @Test func metricsCountRequestsAndTokens() async throws {
        let metrics = ServerMetrics()
        try await withServer(metrics: metrics) { client in
            _ = try await client.post("/v1/chat/completions", chatBody)
            let text = try await client.get("/metrics").text
            #expect(text.contains(#"switchyard_requests_total{model="fake-model",status="200"} 1"#))
            #expect(text.contains(#"switchyard_generation_tokens_total{model="fake-model"} 26"#))
            #expect(text.contains(#"switchyard_queue_depth{model="fake-model"} 0"#))
            #expect(text.contains("switchyard_time_to_first_token_seconds_bucket"))
        }
    }
}
