import ConstrainedDecoding
import OpenAIWire
import Testing

@Suite struct SchemaErrorTests {
    @Test func unsupportedKeywordInStrictModeNamesIt() throws {
        let schema = try JSONValue.parse(#"{"type":"object","properties":{"x":{"type":"object","patternProperties":{"^a":{}}}}}"#)
        #expect(throws: SchemaError("unsupported JSON Schema keyword 'patternProperties' at #/properties/x", keyword: "patternProperties")) {
            try JSONSchemaCompiler.compile(schema, strict: true)
        }
        let grammar = try JSONSchemaCompiler.compile(schema, strict: false)
        #expect(grammar.matches(#"{"x":{"a":1}}"#))
    }

    @Test(arguments: [
        (#"{"type":"string","contentEncoding":"base64"}"#, "contentEncoding"),
        (#"{"type":"object","minProperties":1}"#, "minProperties"),
        (#"{"type":"array","uniqueItems":true}"#, "uniqueItems"),
        (#"{"type":"number","multipleOf":3}"#, "multipleOf"),
        (#"{"type":"string","format":"ipv4"}"#, "format"),
        (#"{"type":"string","pattern":"^(?=a)"}"#, "pattern"),
        (#"{"type":"string","pattern":"\\bword"}"#, "pattern"),
        (#"{"not":{"type":"string"}}"#, "not"),
        (#"{"if":{"type":"string"},"then":{}}"#, "if"),
        (#"{"allOf":[{"properties":{"a":{}}},{"properties":{"b":{}}}],"additionalProperties":false}"#, "allOf"),
    ])
    func strictRejects(schema: String, keyword: String) throws {
        let value = try JSONValue.parse(schema)
        do {
            _ = try JSONSchemaCompiler.compile(value, strict: true)
            Issue.record("expected an error for \(schema)")
        } catch {
            #expect(error.keyword == keyword)
            #expect(error.message.contains("'\(keyword)'"), "\(error.message)")
        }
    }

    @Test func invalidSchemas() throws {
        for text in [
            #"{"type":"strin"}"#, ##"{"$ref":"#/$defs/missing"}"##, #"{"type":"integer","minimum":5,"maximum":4}"#,
            #"{"type":"array","minItems":3,"maxItems":2}"#, #"{"enum":[]}"#, "false", "3",
            #"{"type":"object","required":["a"],"additionalProperties":false}"#,
            ##"{"$ref":"#"}"##, ##"{"anyOf":[{"type":"null"},{"$ref":"#/$defs/a"}],"$defs":{"a":{"$ref":"#"}}}"##,
        ] {
            #expect(throws: SchemaError.self, "\(text)") { try JSONSchemaCompiler.compile(JSONValue.parse(text), strict: false) }
        }
    }
}
