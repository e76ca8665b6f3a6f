import OpenAIWire
import Testing

@Suite struct ResponsesAPITests {
    /// Deterministic ids: `msg_1`, `fc_2`...
    final class Counter: @unchecked Sendable {
        var next = 0
        func make(_ prefix: String) -> String {
            next += 1
            return "\(prefix)_\(next)"
        }
    }

    func parse(_ text: String) throws -> ResponseRequest {
        let counter = Counter()
        return try ResponseRequest(body: Array(text.utf8), makeID: counter.make)
    }

    func error(_ text: String) -> OpenAIError? {
        do {
            _ = try parse(text)
            return nil
        } catch let error as OpenAIError {
            return error
        } catch {
            return nil
        }
    }

    @Test func stringInputIsOneUserMessage() throws {
        let request = try parse(#"{"model": "m", "input": "Hi", "instructions": "Be brief.", "max_output_tokens": 20}"#)
        #expect(request.input == [.message(id: "msg_1", role: .user, texts: ["Hi"])])
        #expect(request.options.maxTokens == 20)
        #expect(request.store)
        #expect(request.toolChoice == .auto)
        #expect(request.format == nil)
        #expect(request.formatValue == ["type": "text"])
    }

    @Test func itemsOfEveryKindParse() throws {
        let request = try parse(
            #"""
            {"model": "m", "input": [
              {"role": "user", "content": [{"type": "input_text", "text": "Weather?"}]},
              {"type": "function_call", "id": "fc_9", "call_id": "call_a", "name": "get_weather", "arguments": "{\"city\":\"Oslo\"}"},
              {"type": "function_call_output", "call_id": "call_a", "output": "{\"c\":3}"}
            ]}
            """#)
        #expect(
            request.input == [
                .message(id: "msg_1", role: .user, texts: ["Weather?"]),
                .functionCall(id: "fc_9", callID: "call_a", name: "get_weather", arguments: #"{"city":"Oslo"}"#),
                .functionCallOutput(id: "fco_2", callID: "call_a", output: #"{"c":3}"#),
            ])
    }

    @Test func toolsToolChoiceAndFormat() throws {
        let request = try parse(
            #"""
            {"model": "m", "input": "x", "parallel_tool_calls": false,
             "tools": [{"type": "function", "name": "f", "parameters": {"type": "object"}}],
             "tool_choice": {"type": "function", "name": "f"},
             "text": {"format": {"type": "json_schema", "name": "p", "schema": {"type": "object"}, "strict": true}, "verbosity": "low"},
             "service_tier": "auto"}
            """#)
        #expect(request.tools.map(\.name) == ["f"])
        #expect(request.tools[0].strict)  // the Responses API's default
        #expect(request.toolChoice == .function("f"))
        #expect(request.format == .jsonSchema(name: "p", schema: ["type": "object"], strict: true))
        #expect(request.ignoredFields == ["service_tier", "text.verbosity"])
        let chat = ChatCompletionRequest(response: request, conversation: request.input)
        #expect(chat.toolChoice == ["type": "function", "function": ["name": "f"]])
        #expect(chat.tools == [["type": "function", "function": ["name": "f", "parameters": ["type": "object"], "strict": true]]])
        #expect(!chat.parallelToolCalls)
        #expect(chat.responseFormat == request.format)
    }

    @Test(arguments: [
        (#"{"model": "m"}"#, "input"),
        (#"{"model": "m", "input": 3}"#, "input"),
        (#"{"model": "m", "input": "x", "tools": [{"type": "web_search"}]}"#, "tools[0].type"),
        (#"{"model": "m", "input": "x", "background": true}"#, "background"),
        (#"{"model": "m", "input": "x", "reasoning": {"effort": "low"}}"#, "reasoning"),
        (#"{"model": "m", "input": "x", "truncation": "middle"}"#, "truncation"),
        (#"{"model": "m", "input": "x", "text": {"format": {"type": "json_schema", "name": "p"}}}"#, "text.format.schema"),
        (#"{"model": "m", "input": [{"type": "reasoning", "summary": []}]}"#, "input[0].type"),
        (#"{"model": "m", "input": [{"role": "tool", "content": "x"}]}"#, "input[0].role"),
        (#"{"model": "m", "input": "x", "tool_choice": {"type": "function", "name": "g"}}"#, "tool_choice.name"),
        (#"{"model": "m", "input": "x", "metadata": {"k": 1}}"#, "metadata.k"),
        (#"{"model": "m", "input": "x", "conversation": "conv_1"}"#, "conversation"),
    ])
    func badRequestsNameTheField(body: String, param: String) {
        let failure = error(body)
        #expect(failure?.status == 400)
        #expect(failure?.param == param)
    }

    @Test func chainRendersAsChatMessages() throws {
        let items: [ResponseItem] = [
            .message(id: "msg_1", role: .user, texts: ["Weather in Oslo?"]),
            .message(id: "msg_2", role: .assistant, texts: ["Let me check."]),
            .functionCall(id: "fc_1", callID: "call_a", name: "get_weather", arguments: #"{"city":"Oslo"}"#),
            .functionCall(id: "fc_2", callID: "call_b", name: "get_time", arguments: "{}"),
            .functionCallOutput(id: "fco_1", callID: "call_a", output: "3 C"),
            .functionCallOutput(id: "fco_2", callID: "call_b", output: "noon"),
            .message(id: "msg_3", role: .developer, texts: ["Be brief", "."]),
        ]
        let messages = ResponseConversation.chatMessages(instructions: "You are terse.", items: items)
        #expect(messages.map(\.role) == [.system, .user, .assistant, .tool, .tool, .developer])
        #expect(messages[0].text == "You are terse.")
        #expect(messages[2].text == "Let me check.")
        #expect(
            messages[2].toolCalls == [
                ["id": "call_a", "type": "function", "function": ["name": "get_weather", "arguments": #"{"city":"Oslo"}"#]],
                ["id": "call_b", "type": "function", "function": ["name": "get_time", "arguments": "{}"]],
            ])
        #expect(messages[3].toolCallID == "call_a" && messages[3].name == "get_weather" && messages[3].text == "3 C")
        #expect(messages[4].toolCallID == "call_b" && messages[4].name == "get_time")
        #expect(messages[5].text == "Be brief.")
        // Templates get `system` for `developer`, and `null` content for a call-only turn.
        #expect(messages[5].templateValue["role"] == "system")
        let callOnly = ResponseConversation.chatMessages(instructions: nil, items: [items[2]])
        #expect(callOnly[0].templateValue["content"] == .null)
    }

    @Test func itemsRoundTripThroughTheirResourceShape() throws {
        let items: [ResponseItem] = [
            .message(id: "msg_1", role: .user, texts: ["a", "b"]),
            .message(id: "msg_2", role: .assistant, texts: ["c"]),
            .functionCall(id: "fc_1", callID: "call_a", name: "f", arguments: "{}"),
            .functionCallOutput(id: "fco_1", callID: "call_a", output: "ok"),
        ]
        for item in items {
            let parsed = try ResponseItem(item.resourceValue, path: "x", makeID: { _ in "unused" })
            #expect(parsed == item)
        }
        #expect(items[1].resourceValue["content"]?.arrayValue?.first?["type"] == "output_text")
        #expect(items[0].resourceValue["content"]?.arrayValue?.first?["type"] == "input_text")
    }

    @Test func builderNumbersEventsAndClosesItems() throws {
        let request = try parse(#"{"model": "m", "input": "x"}"#)
        let response = ResponseObject(id: "resp_1", createdAt: 1, status: .inProgress, model: "m", request: request, temperature: 1, topP: 1)
        let counter = Counter()
        var builder = ResponseOutputBuilder(response: response, makeID: { counter.make($0) })
        var events = builder.start()
        events += builder.text("Hel")
        events += builder.text("lo")
        events += builder.toolCall(index: 0, callID: "call_x", name: "f", arguments: "{\"a\":")
        events += builder.toolCall(index: 0, callID: nil, name: nil, arguments: "1}")
        events += builder.finish(incompleteReason: nil, usage: ResponseUsage(inputTokens: 5, cachedTokens: 2, outputTokens: 4), completedAt: 2)
        #expect(
            events.map { $0["type"]?.stringValue ?? "" } == [
                "response.created", "response.in_progress",
                "response.output_item.added", "response.content_part.added", "response.output_text.delta",
                "response.output_text.delta",
                "response.output_text.done", "response.content_part.done", "response.output_item.done",
                "response.output_item.added", "response.function_call_arguments.delta",
                "response.function_call_arguments.delta",
                "response.function_call_arguments.done", "response.output_item.done",
                "response.completed",
            ])
        #expect(events.map { $0["sequence_number"]?.intValue ?? -1 } == Array(0..<events.count))
        #expect(events[10]["output_index"] == 1)
        let value = builder.response.value
        #expect(value["status"] == "completed")
        #expect(builder.response.outputText == "Hello")
        #expect(value["output"]?.arrayValue?[1]["arguments"] == #"{"a":1}"#)
        #expect(value["output"]?.arrayValue?[1]["call_id"] == "call_x")
        #expect(value["usage"]?["input_tokens_details"]?["cached_tokens"] == 2)
        #expect(value["usage"]?["total_tokens"] == 9)
    }

    @Test func incompleteAndFailedResponses() throws {
        let request = try parse(#"{"model": "m", "input": "x", "max_output_tokens": 3}"#)
        let response = ResponseObject(id: "resp_1", createdAt: 1, status: .inProgress, model: "m", request: request, temperature: 1, topP: 1)
        var builder = ResponseOutputBuilder(response: response, makeID: { "\($0)_1" })
        _ = builder.text("abc")
        let closing = builder.finish(incompleteReason: "max_output_tokens", usage: ResponseUsage(inputTokens: 1, cachedTokens: 0, outputTokens: 3), completedAt: 2)
        #expect(closing.last?["type"] == "response.incomplete")
        #expect(builder.response.value["incomplete_details"] == ["reason": "max_output_tokens"])
        #expect(builder.response.value["output"]?.arrayValue?[0]["status"] == "incomplete")
        #expect(builder.response.value["completed_at"] == .null)

        var failing = ResponseOutputBuilder(response: response, makeID: { "\($0)_1" })
        let failed = failing.fail(code: "server_error", message: "boom", param: nil)
        #expect(failed.map { $0["type"]?.stringValue ?? "" } == ["error", "response.failed"])
        #expect(failing.response.value["error"] == ["code": "server_error", "message": "boom"])
    }
}
