import ConstrainedDecoding
import OpenAIWire
import Testing

/// Compiles a schema written as JSON text.
func compileSchema(_ text: String, strict: Bool = true) throws -> Grammar {
    try JSONSchemaCompiler.compile(JSONValue.parse(text), strict: strict)
}

/// Expects every `accepted` text to be a complete sentence and every `rejected` one not.
func expectLanguage(
    _ grammar: Grammar, accepts accepted: [String], rejects rejected: [String],
    sourceLocation: SourceLocation = #_sourceLocation
) {
    for text in accepted {
        #expect(grammar.matches(text), "should accept \(text)", sourceLocation: sourceLocation)
    }
    for text in rejected {
        #expect(!grammar.matches(text), "should reject \(text)", sourceLocation: sourceLocation)
    }
}

@Suite struct SchemaMatchingTests {
    @Test func jsonObjectMode() {
        expectLanguage(
            .jsonObject,
            accepts: [
                "{}", #"{"a":1}"#, #"{"a": 1, "b": [1, 2.5, -3e+2, true, null, "x\n\u00e9"]}"#,
                #"{"nested":{"deep":{"k":[{}]}}}"#, "{\"ü\": \"日本\"}",
            ],
            rejects: [
                "", "[]", "1", "{", #"{"a":}"#, #"{"a":1,}"#, #"{a:1}"#, "{ }", #"{"a" :1}"#, #"{"a":01}"#,
                #"{"a":1}  "#, #"{"a":"\ud800"}"#, #"{"a":"\q"}"#, "{\"a\":\"\u{01}\"}",
            ]
        )
        #expect(Grammar.jsonObject.acceptsPrefix(#"{"a": [1, {"b"#))
        #expect(!Grammar.jsonObject.acceptsPrefix(#"{"a": [1, {"b"]"#))
    }

    @Test func typesAndUnions() throws {
        expectLanguage(try compileSchema(#"{"type":"string"}"#), accepts: [#""""#, #""hi""#], rejects: ["1", "null", #""a"#])
        expectLanguage(try compileSchema(#"{"type":"integer"}"#), accepts: ["0", "-12", "123456"], rejects: ["1.5", "-0", "01", "1e3"])
        expectLanguage(try compileSchema(#"{"type":"number"}"#), accepts: ["0", "-1.25", "3e10", "2.5E-3"], rejects: ["1.", ".5", "+1"])
        expectLanguage(try compileSchema(#"{"type":"boolean"}"#), accepts: ["true", "false"], rejects: ["1", "True"])
        expectLanguage(try compileSchema(#"{"type":"null"}"#), accepts: ["null"], rejects: ["nil", "\"null\""])
        expectLanguage(try compileSchema(#"{"type":["string","null"]}"#), accepts: ["null", #""x""#], rejects: ["1", "true"])
        expectLanguage(try compileSchema(#"{"type":"integer","nullable":true}"#), accepts: ["null", "5"], rejects: ["\"5\""])
        expectLanguage(try compileSchema("{}"), accepts: ["1", "[]", #"{"a":null}"#], rejects: ["", "x"])
        expectLanguage(try compileSchema("true"), accepts: ["1", "[]"], rejects: ["x"])
    }

    @Test func propertiesRequiredAndOrder() throws {
        let grammar = try compileSchema(#"""
        {"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer"},"tags":{"type":"array","items":{"type":"string"}}},
         "required":["name","tags"],"additionalProperties":false}
        """#)
        expectLanguage(
            grammar,
            accepts: [
                #"{"name":"a","tags":[]}"#, #"{"name": "a", "age": 3, "tags": ["x", "y"]}"#,
                #"{"name":"a","age":-1,"tags":["x"]}"#,
            ],
            rejects: [
                #"{"name":"a"}"#, #"{"tags":[],"name":"a"}"#, #"{"age":3,"name":"a","tags":[]}"#,
                #"{"name":"a","tags":[],"extra":1}"#, "{}", #"{"name":"a",,"tags":[]}"#,
                #"{"name":"a", "tags":[1]}"#,
            ]
        )
    }

    @Test func optionalPropertiesOnly() throws {
        let grammar = try compileSchema(#"{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"integer"}}}"#)
        expectLanguage(grammar, accepts: ["{}", #"{"a":1}"#, #"{"b":2}"#, #"{"a":1,"b":2}"#], rejects: [#"{,"b":2}"#, #"{"b":2,"a":1}"#, #"{"c":1}"#])
    }

    @Test func additionalProperties() throws {
        let schemaValues = try compileSchema(#"{"type":"object","additionalProperties":{"type":"integer"}}"#)
        expectLanguage(schemaValues, accepts: ["{}", #"{"x":1,"y":2}"#], rejects: [#"{"x":"1"}"#])
        let open = try compileSchema(#"{"type":"object","properties":{"a":{"type":"integer"}},"required":["a"],"additionalProperties":true}"#)
        expectLanguage(
            open,
            accepts: [#"{"a":1}"#, #"{"a":1,"z":[null]}"#, #"{"a":1,"ab":2}"#, #"{"a":1,"":2}"#, #"{"a":1,"b\u0061":2}"#],
            rejects: [#"{"z":1}"#, #"{"a":1,"a":2}"#, #"{"a":1,"\u0061":2}"#]
        )
        let both = try compileSchema(#"{"type":"object","properties":{"ab":{"type":"integer"},"b":{"type":"integer"}},"additionalProperties":{"type":"string"}}"#)
        expectLanguage(both, accepts: [#"{"x":"1"}"#, #"{"ab":1,"a":"y","abc":"z","bb":"w"}"#], rejects: [#"{"b":1,"ab":"x"}"#, #"{"b":1,"b":"x"}"#])
        let bare = try compileSchema(#"{"type":"object"}"#)
        expectLanguage(bare, accepts: ["{}", #"{"k":{"n":[1]}}"#], rejects: ["[]"])
    }

    @Test func enumAndConst() throws {
        let grammar = try compileSchema(#"{"enum":["red","green",3,null,{"a":[1]}]}"#)
        expectLanguage(grammar, accepts: [#""red""#, #""green""#, "3", "null", #"{"a":[1]}"#], rejects: [#""blue""#, "4", #""re""#])
        let typed = try compileSchema(#"{"type":"string","enum":["a",1]}"#)
        expectLanguage(typed, accepts: [#""a""#], rejects: ["1"])
        expectLanguage(try compileSchema(#"{"const":"fixed"}"#), accepts: [#""fixed""#], rejects: [#""other""#])
    }

    @Test func arrays() throws {
        let bounded = try compileSchema(#"{"type":"array","items":{"type":"integer"},"minItems":2,"maxItems":3}"#)
        expectLanguage(bounded, accepts: ["[1,2]", "[1, 2, 3]"], rejects: ["[]", "[1]", "[1,2,3,4]", "[1,\"2\"]"])
        let tuple = try compileSchema(#"{"type":"array","prefixItems":[{"type":"string"},{"type":"integer"}],"items":false}"#)
        expectLanguage(tuple, accepts: [#"[]"#, #"["a"]"#, #"["a",1]"#], rejects: [#"[1]"#, #"["a",1,2]"#])
        let tupleMin = try compileSchema(#"{"type":"array","prefixItems":[{"type":"string"}],"items":{"type":"boolean"},"minItems":2}"#)
        expectLanguage(tupleMin, accepts: [#"["a",true]"#, #"["a",true,false]"#], rejects: [#"["a"]"#, #"["a",1]"#])
        let any = try compileSchema(#"{"type":"array"}"#)
        expectLanguage(any, accepts: ["[]", #"[1,"a",[{}]]"#], rejects: ["[,]"])
    }

    @Test func anyOfOneOfAllOf() throws {
        let grammar = try compileSchema(#"{"anyOf":[{"type":"integer","minimum":0},{"type":"string","maxLength":2}]}"#)
        expectLanguage(grammar, accepts: ["5", #""ab""#], rejects: ["-1", #""abc""#])
        let oneOf = try compileSchema(#"{"oneOf":[{"type":"boolean"},{"type":"null"}],"description":"x"}"#)
        expectLanguage(oneOf, accepts: ["true", "null"], rejects: ["1"])
        let allOf = try compileSchema(#"""
        {"allOf":[{"type":"object","properties":{"a":{"type":"integer"}},"required":["a"]},
                  {"properties":{"b":{"type":"string"}},"required":["b"]}]}
        """#)
        expectLanguage(allOf, accepts: [#"{"a":1,"b":"x"}"#], rejects: [#"{"a":1}"#, #"{"b":"x"}"#, #"{"a":1,"b":"x","c":2}"#])
    }

    @Test func referencesAndRecursion() throws {
        let tree = try compileSchema(#"""
        {"$defs":{"node":{"type":"object","properties":{"value":{"type":"integer"},
          "children":{"type":"array","items":{"$ref":"#/$defs/node"}}},"required":["value","children"],"additionalProperties":false}},
         "$ref":"#/$defs/node"}
        """#)
        expectLanguage(
            tree,
            accepts: [#"{"value":1,"children":[]}"#, #"{"value":1,"children":[{"value":2,"children":[{"value":3,"children":[]}]}]}"#],
            rejects: [#"{"value":1,"children":[{"value":2}]}"#, #"{"value":1}"#]
        )
        let list = try compileSchema(#"""
        {"type":"object","properties":{"head":{"type":"integer"},"tail":{"anyOf":[{"$ref":"#"},{"type":"null"}]}},
         "required":["head","tail"]}
        """#)
        expectLanguage(list, accepts: [#"{"head":1,"tail":{"head":2,"tail":null}}"#], rejects: [#"{"head":1,"tail":{"head":2}}"#])
        let definitions = try compileSchema(##"{"definitions":{"n":{"type":"integer"}},"type":"array","items":{"$ref":"#/definitions/n"}}"##)
        expectLanguage(definitions, accepts: ["[1,2]"], rejects: [#"["a"]"#])
    }

    @Test func stringLengths() throws {
        let grammar = try compileSchema(#"{"type":"string","minLength":2,"maxLength":4}"#)
        expectLanguage(grammar, accepts: [#""ab""#, #""abcd""#, #""a\nb""#, #""日本""#, #""\u00e9x""#], rejects: [#""a""#, #""abcde""#, #""""#])
    }

    @Test func patterns() throws {
        let anchored = try compileSchema(#"{"type":"string","pattern":"^[A-Z]{2}-\\d{3,4}$"}"#)
        expectLanguage(anchored, accepts: [#""AB-123""#, #""ZZ-0000""#], rejects: [#""ab-123""#, #""AB-12""#, #""AB-12345""#, #""xAB-123""#])
        let unanchored = try compileSchema(#"{"type":"string","pattern":"cat|dog"}"#)
        expectLanguage(unanchored, accepts: [#""cat""#, #""hotdog!""#], rejects: [#""cow""#])
        let groups = try compileSchema(#"{"type":"string","pattern":"^(?:ab)+(c|d)?[^x-z]*$"}"#)
        expectLanguage(groups, accepts: [#""ab""#, #""ababc""#, #""abd123""#], rejects: [#""abx""#, #""a""#])
        let quotes = try compileSchema(#"{"type":"string","pattern":"^[\"a]+$"}"#)
        expectLanguage(quotes, accepts: [#""a\"a""#], rejects: [#""a"a""#, #""b""#])
        let dot = try compileSchema(#"{"type":"string","pattern":"^a.c$"}"#)
        expectLanguage(dot, accepts: [#""abc""#, #""a\"c""#, #""aéc""#], rejects: [#""a\nc""#, #""ac""#])
    }

    @Test func formats() throws {
        expectLanguage(
            try compileSchema(#"{"type":"string","format":"date"}"#),
            accepts: [#""2024-01-31""#, #""1999-02-28""#], rejects: [#""2024-02-30""#, #""2024-13-01""#, #""2024-1-01""#]
        )
        expectLanguage(
            try compileSchema(#"{"type":"string","format":"date-time"}"#),
            accepts: [#""2024-01-31T12:30:00Z""#, #""2024-01-31T23:59:59.123+02:00""#], rejects: [#""2024-01-31 12:30:00Z""#, #""2024-01-31T24:00:00Z""#]
        )
        expectLanguage(
            try compileSchema(#"{"type":"string","format":"uuid"}"#),
            accepts: [#""123e4567-e89b-12d3-a456-426614174000""#], rejects: [#""123e4567e89b12d3a456426614174000""#]
        )
        expectLanguage(
            try compileSchema(#"{"type":"string","format":"email"}"#),
            accepts: [#""a.b@example.com""#], rejects: [#""example.com""#, #""a@b""#]
        )
    }

    @Test func integerRanges() throws {
        let grammar = try compileSchema(#"{"type":"integer","minimum":-15,"maximum":237}"#)
        for value in -30...300 {
            #expect(grammar.matches(String(value)) == (-15...237).contains(value), "\(value)")
        }
        let exclusive = try compileSchema(#"{"type":"integer","exclusiveMinimum":9,"exclusiveMaximum":1000}"#)
        for value in [9, 10, 999, 1000] { #expect(exclusive.matches(String(value)) == (10...999).contains(value), "\(value)") }
        let lowerOnly = try compileSchema(#"{"type":"integer","minimum":42}"#)
        #expect(lowerOnly.matches("42") && lowerOnly.matches("100000") && !lowerOnly.matches("41") && !lowerOnly.matches("-50"))
        let upperOnly = try compileSchema(#"{"type":"integer","maximum":-7}"#)
        #expect(upperOnly.matches("-7") && upperOnly.matches("-123456") && !upperOnly.matches("-6") && !upperOnly.matches("0"))
    }

    @Test func numberRanges() throws {
        let grammar = try compileSchema(#"{"type":"number","minimum":-1.5,"exclusiveMaximum":10}"#)
        expectLanguage(
            grammar,
            accepts: ["-1", "0", "9", "9.99", "-0.5", "3.14159"],
            // -1.25 is valid but not generated: a decimal is offered only where its whole unit
            // interval lies within the bounds (documented restriction).
            rejects: ["10", "10.5", "-1.75", "-2", "9.0", "1e2", "-1.25"]
        )
    }

    @Test func whitespacePolicy() throws {
        let grammar = try compileSchema(#"{"type":"object","properties":{"a":{"type":"array","items":{"type":"integer"}}},"required":["a"]}"#)
        expectLanguage(grammar, accepts: [#"{"a":[1,2]}"#, #"{"a": [1, 2]}"#], rejects: [#"{ "a":[1]}"#, #"{"a":  [1]}"#, "{\"a\":\n[1]}", #"{"a":[1 ]}"#])
    }
}
