import OpenAIWire
import Testing

@Suite struct JSONValueParsingTests {
    @Test func keepsKeyOrderAndNumberKinds() throws {
        let value = try JSONValue.parse(#"{"z": 1, "a": 2.5, "m": [true, null, "x"], "n": -0, "e": 1e3}"#)
        #expect(value.objectValue?.keys == ["z", "a", "m", "n", "e"])
        #expect(value["z"] == .int(1))
        #expect(value["a"] == .double(2.5))
        #expect(value["e"] == .double(1000))
        #expect(value.jsonString == #"{"z":1,"a":2.5,"m":[true,null,"x"],"n":0,"e":1000.0}"#)
    }

    @Test func decodesEscapesAndSurrogates() throws {
        let value = try JSONValue.parse(#""tab\tquote\"slash\/ \u00e9 \ud83d\ude00""#)
        #expect(value == .string("tab\tquote\"slash/ é 😀"))
        #expect(JSONValue.string("a\"b\\c\n\u{01}").jsonString == #""a\"b\\c\n\u0001""#)
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\" 1}", "tru", "01", "1.", "\"\\x\"", "\"unterminated", "[1] 2", "{\"a\":1,}",
        "\"\\ud800\"", "\"a\u{01}b\"", "-", "NaN",
    ])
    func rejectsMalformedDocuments(text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
    }

    @Test func limitsNestingDepth() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(deep) }
    }

    @Test func roundTripsThroughCodable() throws {
        let value: JSONValue = ["b": [1, 2.5, "x"], "a": nil, "c": ["d": true]]
        let text = value.jsonString
        #expect(try JSONValue.parse(text) == value)
    }

    @Test func reportsTheOffset() {
        do {
            _ = try JSONValue.parse(#"{"a": [1, 2, }"#)
            Issue.record("expected an error")
        } catch {
            #expect(error.offset == 13)
        }
    }
}
