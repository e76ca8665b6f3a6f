import ConstrainedDecoding
import OpenAIWire
import Testing

@Suite struct ToolCallGrammarTests {
    let tools = [
        ToolSpec(name: "get_weather", parameters: [
            "type": "object", "properties": ["city": ["type": "string"], "unit": ["enum": ["c", "f"]]],
            "required": ["city"], "additionalProperties": false,
        ]),
        ToolSpec(name: "add", parameters: [
            "type": "object", "properties": ["a": ["type": "integer"], "b": ["type": "integer"]], "required": ["a", "b"],
        ]),
        ToolSpec(name: "now", parameters: nil),
    ]

    let weather = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"unit\": \"c\"}}\n</tool_call>"
    let add = "<tool_call>\n{\"name\": \"add\", \"arguments\": {\"a\": 1, \"b\": 2}}\n</tool_call>"

    @Test func requiredAllowsOneCallOfAnyTool() throws {
        let grammar = try ToolCallGrammar.build(tools: tools, choice: .required, parallel: false)
        expectLanguage(
            grammar,
            accepts: [weather, add, "<tool_call>\n{\"name\": \"now\", \"arguments\": {}}\n</tool_call>"],
            rejects: [
                "", "hello", weather + "\n" + add,
                "<tool_call>\n{\"name\": \"add\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>",
                "<tool_call>\n{\"name\": \"nope\", \"arguments\": {}}\n</tool_call>",
                "<tool_call>\n{\"name\": \"add\", \"arguments\": {\"a\": 1}}\n</tool_call>",
            ]
        )
    }

    @Test func parallelAllowsSeveral() throws {
        let grammar = try ToolCallGrammar.build(tools: tools, choice: .required, parallel: true)
        expectLanguage(grammar, accepts: [weather, weather + "\n" + add + "\n" + weather], rejects: [weather + add, weather + "\n"])
    }

    @Test func namedFunctionOnly() throws {
        let grammar = try ToolCallGrammar.build(tools: tools, choice: .function("add"), parallel: false)
        expectLanguage(grammar, accepts: [add], rejects: [weather])
        #expect(throws: SchemaError.self) { try ToolCallGrammar.build(tools: tools, choice: .function("x"), parallel: false) }
    }

    @Test func autoAllowsTextOrCalls() throws {
        let grammar = try ToolCallGrammar.build(tools: tools, choice: .auto, parallel: true)
        expectLanguage(
            grammar,
            accepts: ["", "Hello there!", "<tool", "<b>bold</b> <tool_call>", weather, weather + "\n" + add, "Ça va? 日本"],
            rejects: ["<tool_call>\nnot json", "<tool_call>\n{\"name\": \"add\", \"arguments\": {}}\n</tool_call>"]
        )
    }

    @Test func customFormat() throws {
        let format = ToolCallFormat(callPrefix: "[CALL]", callSuffix: "[/CALL]", separator: ";", nameKey: "function", argumentsKey: "args")
        let grammar = try ToolCallGrammar.build(tools: tools, choice: .function("add"), parallel: true, format: format)
        expectLanguage(
            grammar,
            accepts: ["[CALL]{\"function\": \"add\", \"args\": {\"a\": 1, \"b\": 2}}[/CALL];[CALL]{\"function\": \"add\", \"args\": {\"a\": 3, \"b\": 4}}[/CALL]"],
            rejects: [add]
        )
    }

    @Test func llama3JSONIsOneBareCall() throws {
        let format = ToolCallFormat.llama3JSON
        let call = "{\"name\": \"add\", \"parameters\": {\"a\": 1, \"b\": 2}}"
        let required = try ToolCallGrammar.build(tools: tools, choice: .required, parallel: true, format: format)
        expectLanguage(
            required, accepts: [call, "{\"name\": \"now\", \"parameters\": {}}"],
            rejects: [
                "", call + call, call + "\n" + call, add,
                "{\"name\": \"add\", \"arguments\": {\"a\": 1, \"b\": 2}}",
                "{\"name\": \"add\", \"parameters\": {\"a\": 1}}",
            ])
        let auto = try ToolCallGrammar.build(tools: tools, choice: .auto, parallel: false, format: format)
        expectLanguage(
            auto, accepts: ["", "Hello", call, "{\"nam", "{\"other\": 1}", "The call {\"name\": x"],
            rejects: ["{\"name\": \"nope\", \"parameters\": {}}", "{\"name\": 5}", call + " and text"])
        #expect(format.callMarker == "{\"name\": ")
        #expect(format.parseCalls(call) == [ParsedToolCall(name: "add", arguments: #"{"a":1,"b":2}"#)])
        #expect(format.parseCalls(call + call) == nil)
    }

    @Test func reasoningMayComeFirst() throws {
        var format = ToolCallFormat.hermes
        format.reasoning = .think
        let required = try ToolCallGrammar.build(tools: tools, choice: .required, parallel: true, format: format)
        expectLanguage(
            required,
            accepts: [add, "<think>\nadd them </think\n</think>\n\n" + add, "<think></think>" + add + "\n" + weather],
            rejects: ["<think>x</think>\nHello", "<think>x</think>b</think>" + add, "<think>x" + add, " " + add,
                      "<think>x</think>\n<tool_call>\n{\"name\": \"nope\", \"arguments\": {}}\n</tool_call>"])
        let auto = try ToolCallGrammar.build(tools: tools, choice: .auto, parallel: true, format: format)
        expectLanguage(
            auto,
            accepts: ["", "Hello", add, "<think>hm</think>", "<think>hm</think>\n\nHello <tool_call>", "<think>hm</think> " + add,
                      "<thin", "Hi <think>", "<thinking>"],
            rejects: ["<think>hm</think>\n<tool_call>\nbad", "<think>hm</think>\n\n<tool_call>\n{\"name\": \"x\"",
                      "<think>unclosed", "<think>ing>"])
    }

    @Test func strictToolSchemaErrors() {
        let strictTool = ToolSpec(name: "f", parameters: ["type": "object", "minProperties": 1], strict: true)
        #expect(throws: SchemaError.self) { try ToolCallGrammar.build(tools: [strictTool], choice: .required, parallel: false) }
        let lenient = ToolSpec(name: "f", parameters: ["type": "object", "minProperties": 1], strict: false)
        #expect((try? ToolCallGrammar.build(tools: [lenient], choice: .required, parallel: false)) != nil)
    }

    @Test func parsesCallsBack() {
        let format = ToolCallFormat.hermes
        #expect(format.beginsToolCall(weather) && !format.beginsToolCall("Hi"))
        #expect(format.parseCalls(weather + "\n" + add) == [
            ParsedToolCall(name: "get_weather", arguments: #"{"city":"Paris","unit":"c"}"#),
            ParsedToolCall(name: "add", arguments: #"{"a":1,"b":2}"#),
        ])
        #expect(format.parseCalls("plain text") == nil)
        #expect(format.parseCalls("<tool_call>\n{\"name\": \"add\"}\n</tool_call>") == nil)
    }
}
