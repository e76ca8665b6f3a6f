import OpenAIWire
import Testing

@Suite struct RequestParsingTests {
    func chat(_ fields: String) throws(OpenAIError) -> ChatCompletionRequest {
        try ChatCompletionRequest(body: Array(#"{"model":"m","messages":[{"role":"user","content":"Hi"}]\#(fields)}"#.utf8))
    }

    @Test func maxCompletionTokensWinsOverMaxTokens() throws {
        #expect(try chat(#","max_tokens":5,"max_completion_tokens":7"#).options.maxTokens == 7)
        #expect(try chat(#","max_tokens":5"#).options.maxTokens == 5)
        #expect(try chat("").options.maxTokens == nil)
    }

    @Test func stopIsAStringOrUpToFourStrings() throws {
        #expect(try chat(#","stop":"END""#).options.stop == ["END"])
        #expect(try chat(#","stop":["a","b"]"#).options.stop == ["a", "b"])
        #expect(throws: OpenAIError.self) { try chat(#","stop":[1]"#) }
    }

    @Test func errorsNameTheField() {
        do {
            _ = try chat(#","top_p":"x""#)
            Issue.record("accepted a string top_p")
        } catch {
            #expect(error.param == "top_p")
            #expect(error.code == "invalid_type")
            #expect(error.status == 400)
            #expect(error.body["error"]?["type"] == "invalid_request_error")
        }
    }

    @Test func contentPartsAreNormalized() throws {
        let request = try ChatCompletionRequest(
            body: Array(
                #"{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"input_audio","input_audio":{}}]}]}"#.utf8))
        #expect(request.messages[0].content == [.text("a"), .media(type: "input_audio", param: "messages[0].content[1]")])
        #expect(request.messages[0].templateValue == ["role": "user", "content": "a"])
    }

    @Test func responseFormatAndToolsPassThrough() throws {
        let request = try chat(
            #","response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{"type":"object"}}},"tools":[{"type":"function"}],"tool_choice":"auto""#)
        #expect(request.responseFormat == .jsonSchema(name: "x", schema: ["type": "object"], strict: false))
        #expect(request.tools == [["type": "function"]])
        #expect(request.toolChoice == "auto")
    }

    @Test func unknownFieldsAreListedInOrder() throws {
        #expect(try chat(#","zeta":1,"store":false,"alpha":2"#).ignoredFields == ["zeta", "store", "alpha"])
    }

    @Test func legacyPromptShapes() throws {
        func prompts(_ json: String) throws(OpenAIError) -> [CompletionRequest.Prompt] {
            try CompletionRequest(body: Array(#"{"model":"m","prompt":\#(json)}"#.utf8)).prompts
        }
        #expect(try prompts(#""hi""#) == [.text("hi")])
        #expect(try prompts(#"["a","b"]"#) == [.text("a"), .text("b")])
        #expect(try prompts("[1,2]") == [.tokens([1, 2])])
        #expect(try prompts("[[1],[2,3]]") == [.tokens([1]), .tokens([2, 3])])
        #expect(throws: OpenAIError.self) { try prompts("[]") }
        #expect(throws: OpenAIError.self) { try prompts("[1.5]") }
    }

    @Test func sseFraming() {
        #expect(ServerSentEvents.event(["a": 1]) == "data: {\"a\":1}\n\n")
        let stream = ServerSentEvents.comment("keep-alive") + ServerSentEvents.event(["a": 1]) + ServerSentEvents.done
        #expect(ServerSentEvents.payloads(in: stream) == [#"{"a":1}"#, "[DONE]"])
    }

    @Test func chunkShapes() {
        let chunk = ChatCompletionChunk(
            id: "c", created: 1, model: "m", systemFingerprint: "fp", choices: [.init(index: 0, content: "x")], usageRequested: true)
        #expect(
            chunk.value.jsonString
                == #"{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","system_fingerprint":"fp","choices":[{"index":0,"delta":{"content":"x"},"logprobs":null,"finish_reason":null}],"usage":null}"#)
        let error = OpenAIError.modelNotFound("x")
        #expect(
            error.body.jsonString
                == #"{"error":{"message":"The model 'x' does not exist or you do not have access to it.","type":"invalid_request_error","param":"model","code":"model_not_found"}}"#)
    }
}
