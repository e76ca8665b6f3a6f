import OpenAIWire
import Testing

/// Editing a request's top-level fields in its text: every other byte stays as sent, and the
/// result parses to the same object as editing the parsed value would give.
@Suite struct JSONObjectTextTests {
    static func edited(_ text: String, _ edit: (inout JSONObjectText) -> Void) -> String? {
        guard var object = JSONObjectText(Array(text.utf8)) else { return nil }
        edit(&object)
        return String(decoding: object.bytes, as: UTF8.self)
    }

    @Test func replacesInPlaceKeepingTheRest() {
        let text = #"{ "model" : "gpt-x", "messages":[{"role":"user","content":"a \"quoted\" {x}, [y]"}], "top_k": 5 }"#
        let result = Self.edited(text) { $0.set("model", to: "local") }
        #expect(result == #"{ "model" : "local", "messages":[{"role":"user","content":"a \"quoted\" {x}, [y]"}], "top_k": 5 }"#)
    }

    @Test func addsMissingFieldsAndReplacesLaterOnes() {
        let result = Self.edited(#"{"model":"m","stream":false,"n":1}"#) { text in
            text.set("stream", to: true)
            text.set("stream_options", to: ["include_usage": true])
            text.set("model", to: "upstream-name")
        }
        #expect(result == #"{"model":"upstream-name","stream":true,"n":1,"stream_options":{"include_usage":true}}"#)
        #expect(Self.edited("{}") { $0.set("model", to: "m") } == #"{"model":"m"}"#)
    }

    @Test(arguments: [
        (#"{"a":1,"usage":null,"b":2}"#, #"{"a":1,"b":2}"#),
        (#"{"usage":null,"b":2}"#, #"{"b":2}"#),
        (#"{"a":[1,{"usage":3}],"usage" : null}"#, #"{"a":[1,{"usage":3}]}"#),
        (#"{"usage":null}"#, "{}"),
        (#"{"a":1}"#, #"{"a":1}"#),
    ])
    func removes(text: String, expected: String) {
        #expect(Self.edited(text) { $0.remove("usage") } == expected)
    }

    @Test func removingThenSettingKeepsPositionsRight() {
        let result = Self.edited(#"{"id":"c","model":"up","usage":null,"choices":[]}"#) { text in
            text.remove("usage")
            text.set("model", to: "public")
            text.set("choices", to: [1])
        }
        #expect(result == #"{"id":"c","model":"public","choices":[1]}"#)
    }

    @Test(arguments: [#"[1,2]"#, #"{"model":"a","model":"b"}"#, #"{"mod\u0065l":"a"}"#, "{", #"{"a" 1}"#])
    func declinesWhatItDoesNotHandle(text: String) {
        #expect(JSONObjectText(Array(text.utf8)) == nil)
    }

    @Test func readsAValue() {
        let text = JSONObjectText(Array(#"{"usage": {"prompt_tokens": 3}, "x": true}"#.utf8))
        #expect(text?.valueText("usage").map { String(decoding: $0, as: UTF8.self) } == #"{"prompt_tokens": 3}"#)
        #expect(text?.valueText("x").map { String(decoding: $0, as: UTF8.self) } == "true")
        #expect(text?.valueText("missing") == nil)
    }
}
