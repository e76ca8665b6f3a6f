import Cutover
import OpenAIWire
import Testing

@Suite struct StreamReadingTests {
    @Test func sseParserHandlesSplitsCommentsAndCRLF() {
        var parser = SSEParser()
        var events = parser.feed(Array(": keep-alive\r\n\r\ndata: {\"a\"".utf8))
        #expect(events.isEmpty)
        events += parser.feed(Array(":1}\r\n\r\ndata: [DONE]\n\n".utf8))
        #expect(events == ["{\"a\":1}", "[DONE]"])
        #expect(parser.commentCount == 1)
        #expect(parser.problems.isEmpty)
    }

    @Test func sseParserNotesUnterminatedEvent() {
        var parser = SSEParser()
        #expect(parser.feed(Array("data: x\n".utf8)).isEmpty)
        #expect(parser.finish() == ["x"])
        #expect(parser.problems.count == 1)
    }

    static func chunk(_ delta: String, finish: String? = nil, id: String = "c1") -> String {
        "{\"id\":\"\(id)\",\"created\":1,\"choices\":[{\"index\":0,\"delta\":\(delta),\"finish_reason\":\(finish.map { "\"\($0)\"" } ?? "null")}]}"
    }

    @Test func streamTimingsAndUsage() {
        let outcome = ChatOutcome.reading(streamPayloads: [
            (Self.chunk("{\"role\":\"assistant\",\"content\":\"\"}"), 0.05),
            (Self.chunk("{\"content\":\"Hel\"}"), 0.10),
            (Self.chunk("{\"content\":\"lo\"}"), 0.15),
            (Self.chunk("{\"content\":\"!\"}"), 0.30),
            (Self.chunk("{}", finish: "stop"), 0.31),
            ("{\"id\":\"c1\",\"created\":1,\"choices\":[],\"usage\":{\"prompt_tokens\":4,\"completion_tokens\":3,\"total_tokens\":7}}", 0.32),
            ("[DONE]", 0.33),
        ])
        #expect(outcome.succeeded)
        #expect(outcome.text == "Hello!")
        #expect(outcome.finishReason == "stop")
        #expect(outcome.timeToFirstToken == 0.10)
        #expect(outcome.contentChunks == 3)
        #expect(outcome.interTokenLatencies.count == 2)
        #expect(abs(outcome.interTokenLatencies[1] - 0.15) < 1e-9)
        #expect(outcome.usage?.completionTokens == 3)
        #expect(outcome.usageChunkSeen)
        #expect(outcome.totalLatency == 0.33)
    }

    /// The ends of real streams with include_usage, as captured from the peers: llama-server
    /// (0c1e570) sends usage in a chunk of its own with `choices: []` (and its own `timings`);
    /// the LiteLLM proxy (1.100.0) in front of it moves usage onto a chunk with
    /// `choices: [{"index":0,"delta":{}}]`. Both carry usage (supported); only LiteLLM's shape is
    /// an envelope deviation, and it does not fail the request.
    @Test func usageChunksOfRealPeers() {
        let llama = ChatOutcome.reading(streamPayloads: [
            (#"{"choices":[{"finish_reason":null,"index":0,"delta":{"content":"How"}}],"created":1796602284,"id":"chatcmpl-K","model":"m","object":"chat.completion.chunk"}"#, 0.1),
            (#"{"choices":[{"finish_reason":"length","index":0,"delta":{}}],"created":1796602284,"id":"chatcmpl-K","model":"m","object":"chat.completion.chunk"}"#, 0.2),
            (#"{"choices":[],"created":1796602284,"id":"chatcmpl-K","model":"m","object":"chat.completion.chunk","usage":{"completion_tokens":8,"prompt_tokens":33,"total_tokens":41,"prompt_tokens_details":{"cached_tokens":0}},"timings":{"prompt_n":33,"predicted_n":8}}"#, 0.3),
            ("[DONE]", 0.3),
        ])
        #expect(llama.succeeded && llama.usageChunkSeen && llama.usage?.completionTokens == 8)
        #expect(llama.envelopeProblems.isEmpty)
        let litellm = ChatOutcome.reading(streamPayloads: [
            (#"{"id":"chatcmpl-B","created":1796602295,"model":"smollm2","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"I"}}]}"#, 0.1),
            (#"{"id":"chatcmpl-B","created":1796602295,"model":"smollm2","object":"chat.completion.chunk","choices":[{"finish_reason":"length","index":0,"delta":{}}]}"#, 0.2),
            (#"{"id":"chatcmpl-B","created":1796602295,"model":"smollm2","object":"chat.completion.chunk","choices":[{"index":0,"delta":{}}],"usage":{"completion_tokens":8,"prompt_tokens":33,"total_tokens":41}}"#, 0.3),
            ("[DONE]", 0.3),
        ])
        #expect(litellm.succeeded && litellm.usageChunkSeen && litellm.usage?.completionTokens == 8)
        #expect(litellm.finishReason == "length", "the usage chunk's choice without finish_reason does not erase it")
        #expect(litellm.envelopeProblems == ["usage rides on a chunk with choices (OpenAI sends it in its own chunk with \"choices\": [])"])
    }

    @Test func malformedStreamIsAFindingNotACrash() {
        let outcome = ChatOutcome.reading(streamPayloads: [
            (Self.chunk("{\"content\":\"a\"}"), 0.1),
            ("{\"choices\": [{\"delta\": ", 0.2),
            (Self.chunk("{\"content\":\"b\"}", id: "other"), 0.3),
            ("{\"id\":\"c1\",\"choices\":null,\"usage\":{\"completion_tokens\":2}}", 0.4),
        ])
        #expect(!outcome.succeeded)
        #expect(outcome.text == "ab")
        #expect(outcome.problems == ["chunk 2 is not JSON (\(Self.parseError("{\"choices\": [{\"delta\": "))): '{\"choices\": [{\"delta\": '"])
        let envelope = outcome.envelopeProblems.joined(separator: "\n")
        #expect(envelope.contains("\"id\" changes between chunks (chunk 3: 'other', chunk 1: 'c1')"))
        #expect(envelope.contains("\"choices\": null"))
        #expect(envelope.contains("without data: [DONE]"))
    }

    static func parseError(_ text: String) -> String {
        do { _ = try JSONValue.parse(text); return "" } catch { return "\(error)" }
    }

    /// llama-server's `created` ticks between chunks and its usage rides on the last content
    /// chunk: envelope deviations, reported apart, which leave the request itself a success.
    @Test func envelopeDeviationsDoNotFailTheRequest() {
        let outcome = ChatOutcome.reading(streamPayloads: [
            ("{\"id\":\"c1\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}", 0.1),
            ("{\"id\":\"c1\",\"created\":2,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"b\"}}]}", 0.2),
            ("{\"id\":\"c1\",\"created\":3,\"model\":\"m2\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":{\"completion_tokens\":2}}", 0.3),
            ("[DONE]", 0.4),
        ])
        #expect(outcome.succeeded)
        #expect(outcome.failureReason == nil)
        #expect(outcome.usageChunkSeen && outcome.usage?.completionTokens == 2)
        #expect(outcome.envelopeProblems == [
            "\"created\" changes between chunks (chunk 2: 2, chunk 1: 1)",
            "\"model\" changes between chunks (chunk 3: 'm2', chunk 1: 'm')",
            "usage rides on a chunk with choices (OpenAI sends it in its own chunk with \"choices\": [])",
        ])
    }

    @Test func streamedToolCallDeltasAreReassembled() {
        let outcome = ChatOutcome.reading(streamPayloads: [
            (Self.chunk("{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]}"), 0.1),
            (Self.chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\":\"}}]}"), 0.2),
            (Self.chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"Paris\\\"}\"}}]}"), 0.3),
            (Self.chunk("{}", finish: "tool_calls"), 0.4),
            ("[DONE]", 0.5),
        ])
        #expect(outcome.succeeded)
        #expect(outcome.toolCalls.count == 1)
        #expect(outcome.toolCalls.first?.name == "get_weather")
        #expect(outcome.toolCalls.first?.arguments == "{\"city\":\"Paris\"}")
        #expect(outcome.toolCalls.first?.parsedArguments?["city"]?.stringValue == "Paris")
        #expect(outcome.finishReason == "tool_calls")
    }

    @Test func errorBodiesAreJudgedAgainstOpenAIShape() {
        let good = ChatOutcome.reading(
            body: "{\"error\":{\"message\":\"Incorrect API key\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_api_key\"}}",
            status: 401)
        #expect(good.error?.code == "invalid_api_key")
        #expect(good.error?.shapeProblems.isEmpty == true)
        #expect(!good.succeeded)
        let odd = ChatOutcome.reading(body: "{\"error\":\"model not found\"}", status: 400)
        #expect(odd.error?.message == "model not found")
        #expect(odd.error?.shapeProblems == ["\"error\" is a string, not an object"])
        let html = ChatOutcome.reading(body: "<html>502 Bad Gateway</html>", status: 502)
        #expect(html.error?.shapeProblems == ["body is not JSON"])
        #expect(html.failureReason?.hasPrefix("502") == true)
    }

    @Test func nonStreamedBodyWithChoicesAndLogprobs() {
        let outcome = ChatOutcome.reading(body: """
            {"id":"x","choices":[{"index":0,"message":{"role":"assistant","content":"Yes"},"finish_reason":"stop",
             "logprobs":{"content":[{"token":"Yes","logprob":-0.1,"top_logprobs":[{"token":"Yes","logprob":-0.1},{"token":"No","logprob":-2}]}]}},
             {"index":1,"message":{"role":"assistant","content":"No"},"finish_reason":"stop"}],
             "usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}
            """)
        #expect(outcome.succeeded)
        #expect(outcome.choiceCount == 2)
        #expect(outcome.logprobsSeen && outcome.topLogprobsCount == 2)
        #expect(outcome.usage?.totalTokens == 5)
    }
}
