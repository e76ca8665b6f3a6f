import ConstrainedDecoding
import OpenAIWire
import Testing

/// What a parser made of a whole reply: content text and calls assembled from fragments.
struct ParsedReply: Equatable, CustomStringConvertible {
    struct Call: Equatable {
        var id: String
        var name: String
        var arguments: String
    }

    var content = ""
    var calls: [Call] = []
    /// Fragment-order violations (a later fragment naming the call, an index out of order).
    var problems: [String] = []

    var description: String { "content \(content.debugDescription), calls \(calls), problems \(problems)" }
}

/// One reply, the format and mode it is parsed in, and what must come out of it.
struct ParserCase: Sendable, CustomStringConvertible {
    var name: String
    var format: ToolCallFormat
    var mode: ToolChoiceMode
    var text: String
    var content: String
    /// (name, arguments) of each call.
    var calls: [(String, String)]
    var description: String { name }

    static let weather = #"{"city": "Paris", "unit": "c"}"#
    static let tricky = #"{"q": "a}\n</tool_call> b \"}\" {[", "n": [1, {"x": {}}], "e": "\u00e9"}"#

    static let qwen3: ToolCallFormat = {
        var format = ToolCallFormat.hermes
        format.reasoning = .think
        return format
    }()

    static let all: [ParserCase] = [
        ParserCase(name: "hermes: one call", format: .hermes, mode: .required,
                   text: "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": \(weather)}\n</tool_call>",
                   content: "", calls: [("get_weather", weather)]),
        ParserCase(name: "hermes: parallel calls", format: .hermes, mode: .auto,
                   text: "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": \(weather)}\n</tool_call>\n<tool_call>\n{\"name\": \"add\", \"arguments\": {\"a\": 1, \"b\": 2}}\n</tool_call>",
                   content: "", calls: [("get_weather", weather), ("add", #"{"a": 1, "b": 2}"#)]),
        ParserCase(name: "hermes: closing text inside the arguments", format: .hermes, mode: .required,
                   text: "<tool_call>\n{\"name\": \"search\", \"arguments\": \(tricky)}\n</tool_call>",
                   content: "", calls: [("search", tricky)]),
        ParserCase(name: "hermes: escaped name", format: .hermes, mode: .required,
                   text: "<tool_call>\n{\"name\": \"a\\\"b\", \"arguments\": {}}\n</tool_call>",
                   content: "", calls: [("a\"b", "{}")]),
        ParserCase(name: "hermes auto: text", format: .hermes, mode: .auto,
                   text: "Ça va? 日本 😀 {\"name\": \"x\"}", content: "Ça va? 日本 😀 {\"name\": \"x\"}", calls: []),
        ParserCase(name: "hermes auto: text like the prefix", format: .hermes, mode: .auto,
                   text: "<tool", content: "<tool", calls: []),
        ParserCase(name: "hermes auto: text diverging from the prefix", format: .hermes, mode: .auto,
                   text: "<tool_callx> hi", content: "<tool_callx> hi", calls: []),
        ParserCase(name: "hermes: malformed call is text", format: .hermes, mode: .auto,
                   text: "<tool_call>\nnot json\n</tool_call>", content: "<tool_call>\nnot json\n</tool_call>", calls: []),
        ParserCase(name: "hermes: unterminated name is text", format: .hermes, mode: .required,
                   text: "<tool_call>\n{\"name\": \"get_w", content: "<tool_call>\n{\"name\": \"get_w", calls: []),
        ParserCase(name: "hermes: wrong arguments key is text", format: .hermes, mode: .required,
                   text: "<tool_call>\n{\"name\": \"f\", \"args\": {}}\n</tool_call>",
                   content: "<tool_call>\n{\"name\": \"f\", \"args\": {}}\n</tool_call>", calls: []),
        ParserCase(name: "hermes: malformed second call is text", format: .hermes, mode: .required,
                   text: "<tool_call>\n{\"name\": \"f\", \"arguments\": {}}\n</tool_call>\n<tool_call>\noops",
                   content: "\n<tool_call>\noops", calls: [("f", "{}")]),
        ParserCase(name: "hermes: text after the calls", format: .hermes, mode: .required,
                   text: "<tool_call>\n{\"name\": \"f\", \"arguments\": {}}\n</tool_call> done",
                   content: " done", calls: [("f", "{}")]),
        ParserCase(name: "hermes: wrong ending keeps the call", format: .hermes, mode: .required,
                   text: "<tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": 1}} tail",
                   content: " tail", calls: [("f", #"{"a": 1}"#)]),
        ParserCase(name: "hermes: truncated arguments", format: .hermes, mode: .required,
                   text: "<tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": [1, 2",
                   content: "", calls: [("f", #"{"a": [1, 2"#)]),
        ParserCase(name: "hermes: a repeated call ends the reply", format: .hermes, mode: .required,
                   text: "<tool_call>\n{\"name\": \"f\", \"arguments\": {}}\n</tool_call>\n<tool_call>\n{\"name\": \"f\", \"arguments\": {}}\n</tool_call>\n<tool_call>\n{\"name\": \"g\"",
                   content: "", calls: [("f", "{}")]),
        ParserCase(name: "qwen3: thinking, then a call", format: qwen3, mode: .required,
                   text: "<think>\nI need the weather. <tool_call> is how.\n</think>\n\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": \(weather)}\n</tool_call>",
                   content: "<think>\nI need the weather. <tool_call> is how.\n</think>\n\n", calls: [("get_weather", weather)]),
        ParserCase(name: "qwen3 auto: thinking, then calls", format: qwen3, mode: .auto,
                   text: "<think></think> <tool_call>\n{\"name\": \"f\", \"arguments\": {}}\n</tool_call>\n<tool_call>\n{\"name\": \"g\", \"arguments\": {}}\n</tool_call>",
                   content: "<think></think> ", calls: [("f", "{}"), ("g", "{}")]),
        ParserCase(name: "qwen3 auto: thinking, then text", format: qwen3, mode: .auto,
                   text: "<think>hmm </thin k></think>\n\nHello <tool_call>", content: "<think>hmm </thin k></think>\n\nHello <tool_call>", calls: []),
        ParserCase(name: "qwen3 auto: a call without thinking", format: qwen3, mode: .auto,
                   text: "<tool_call>\n{\"name\": \"f\", \"arguments\": {}}\n</tool_call>", content: "", calls: [("f", "{}")]),
        ParserCase(name: "qwen3 auto: unfinished thinking", format: qwen3, mode: .auto,
                   text: "<think>still going </thi", content: "<think>still going </thi", calls: []),
        ParserCase(name: "qwen3 auto: text like the tag", format: qwen3, mode: .auto,
                   text: "<thin", content: "<thin", calls: []),
        ParserCase(name: "qwen3 auto: thinking only later is text", format: qwen3, mode: .auto,
                   text: "Hi <think>x</think>\n<tool_call>\n", content: "Hi <think>x</think>\n<tool_call>\n", calls: []),
        ParserCase(name: "llama3: one call", format: .llama3JSON, mode: .required,
                   text: "{\"name\": \"get_weather\", \"parameters\": \(weather)}",
                   content: "", calls: [("get_weather", weather)]),
        ParserCase(name: "llama3 auto: call with braces inside", format: .llama3JSON, mode: .auto,
                   text: "{\"name\": \"search\", \"parameters\": \(tricky)}", content: "", calls: [("search", tricky)]),
        ParserCase(name: "llama3 auto: text", format: .llama3JSON, mode: .auto,
                   text: "The weather is {\"name\": fine}", content: "The weather is {\"name\": fine}", calls: []),
        ParserCase(name: "llama3 auto: JSON that is no call", format: .llama3JSON, mode: .auto,
                   text: "{\"nam\": 1}", content: "{\"nam\": 1}", calls: []),
        ParserCase(name: "llama3 auto: text like the marker", format: .llama3JSON, mode: .auto,
                   text: "{\"na", content: "{\"na", calls: []),
        ParserCase(name: "llama3: no second call", format: .llama3JSON, mode: .required,
                   text: "{\"name\": \"f\", \"parameters\": {}}{\"name\": \"f\", \"parameters\": {\"a\": 1}}",
                   content: "{\"name\": \"f\", \"parameters\": {\"a\": 1}}", calls: [("f", "{}")]),
        ParserCase(name: "llama3: scalar arguments", format: .llama3JSON, mode: .required,
                   text: "{\"name\": \"f\", \"parameters\": 12.5}", content: "", calls: [("f", "12.5")]),
        ParserCase(name: "llama3: string arguments", format: .llama3JSON, mode: .required,
                   text: "{\"name\": \"f\", \"parameters\": \"x}\"}", content: "", calls: [("f", "\"x}\"")]),
    ]
}

@Suite struct ToolCallStreamParserTests {
    /// Feeds `pieces` one by one, then finishes, and assembles what came out.
    static func parse(_ pieces: [String], format: ToolCallFormat, mode: ToolChoiceMode) -> ParsedReply {
        var parser = ToolCallStreamParser(format: format, mode: mode, makeID: { "call_test" })
        var outputs: [ToolCallStreamParser.Output] = []
        for piece in pieces { outputs += parser.feed(piece) }
        outputs += parser.finish()
        var reply = ParsedReply()
        for output in outputs {
            switch output {
            case .content(let text):
                reply.content += text
            case .call(let fragment):
                if fragment.index == reply.calls.count {
                    if let id = fragment.id, let name = fragment.name {
                        reply.calls.append(ParsedReply.Call(id: id, name: name, arguments: fragment.arguments))
                    } else {
                        reply.problems.append("call \(fragment.index) began without id and name")
                    }
                } else if fragment.index == reply.calls.count - 1, fragment.id == nil, fragment.name == nil {
                    reply.calls[fragment.index].arguments += fragment.arguments
                } else {
                    reply.problems.append("out of order: \(fragment)")
                }
            }
        }
        return reply
    }

    @Test("every split point gives the same reply", arguments: ParserCase.all)
    func splitsDoNotMatter(_ testCase: ParserCase) {
        let expected = ParsedReply(
            content: testCase.content,
            calls: testCase.calls.map { ParsedReply.Call(id: "call_test", name: $0.0, arguments: $0.1) })
        let whole = Self.parse([testCase.text], format: testCase.format, mode: testCase.mode)
        #expect(whole == expected)
        let characters = Array(testCase.text)
        for split in 1..<characters.count {
            let pieces = [String(characters[..<split]), String(characters[split...])]
            let reply = Self.parse(pieces, format: testCase.format, mode: testCase.mode)
            #expect(reply == expected, "split at \(split)")
        }
        let oneByOne = Self.parse(characters.map { String($0) }, format: testCase.format, mode: testCase.mode)
        #expect(oneByOne == expected, "one character at a time")
    }

    @Test func firstCallStreamsBeforeItEnds() {
        var parser = ToolCallStreamParser(format: .llama3JSON, mode: .auto, makeID: { "call_1" })
        #expect(parser.feed("{\"name\": \"f\"").isEmpty, "the name may still go on")
        #expect(parser.feed(", \"parameters\": {\"a\": ") == [
            .call(ToolCallFragment(index: 0, id: "call_1", name: "f", arguments: "")),
            .call(ToolCallFragment(index: 0, arguments: "{\"a\": ")),
        ])
        #expect(parser.feed("1}") == [.call(ToolCallFragment(index: 0, arguments: "1}"))])
        #expect(parser.feed("}").isEmpty)
        #expect(parser.sawCalls)
        #expect(parser.finish().isEmpty)
    }

    @Test func laterCallsAreHeldUntilComplete() {
        var parser = ToolCallStreamParser(format: .hermes, mode: .required, makeID: { "id" })
        _ = parser.feed("<tool_call>\n{\"name\": \"f\", \"arguments\": {}}\n</tool_call>")
        #expect(parser.feed("\n<tool_call>\n{\"name\": \"g\", \"arguments\": {\"a\"").isEmpty)
        #expect(parser.feed(": 2}}\n</tool_call>") == [
            .call(ToolCallFragment(index: 1, id: "id", name: "g", arguments: "")),
            .call(ToolCallFragment(index: 1, arguments: "{\"a\": 2}")),
        ])
    }
}
