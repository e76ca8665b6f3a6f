import OpenAIWire
import Testing
import TestSupport

/// The scanner accepts exactly what the parser accepts, and walks fields and elements where
/// they are.
@Suite struct JSONTextScannerTests {
    static func isValid(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { JSONTextScanner($0).isValid() }
    }

    static func parses(_ text: String) -> Bool {
        (try? JSONValue.parse(text)) != nil
    }

    static let documents = [
        #"{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}],"usage":null}"#,
        #" [1, -2.5e+3, 0, true, false, null, "a\"b\\c\/\b\f\n\r\t\u00e9\ud83d\ude00", {}, [], {"k": [{}]}] "#,
        #"{"a":{"b":{"c":[1,2,{"d":"é"}]}}}"#,
        "0", "-0.0", "\"\"", "1E5", "[ ]", "{ }",
    ]

    static let refused = [
        "", " ", "{", "}", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "01", "1.", ".5", "-", "1e", "+1", "tru", "nul", "[1 2]",
        "\"\\x\"", "\"\\u12G4\"", "\"\\ud800\"", "\"\\ud800\\u0041\"", "\"\\udc00\"", "\"a\u{01}b\"", "\"open", "{\"a\":1}}", "1 2",
        "[\"a\"\"b\"]", "{\"a\":1 \"b\":2}",
    ]

    @Test func agreesWithTheParserOnKnownDocuments() {
        for text in Self.documents {
            #expect(Self.isValid(text), "\(text)")
            #expect(Self.parses(text), "\(text)")
        }
        for text in Self.refused {
            #expect(!Self.isValid(text), "\(text)")
            #expect(Self.isValid(text) == Self.parses(text), "\(text)")
        }
    }

    @Test func agreesWithTheParserOnMutatedDocuments() {
        // Each document with bytes deleted, duplicated or replaced by JSON's own characters:
        // whatever the parser accepts the scanner accepts, and nothing else.
        var generator = SplitMix64(seed: 18)
        let alphabet = Array(#"{}[],:"\ u0123456789abcdefE.+-tnrl"#.utf8)
        var accepted = 0
        for _ in 0..<4000 {
            var bytes = Array(Self.documents[Int.random(in: 0..<Self.documents.count, using: &generator)].utf8)
            for _ in 0..<Int.random(in: 1...3, using: &generator) where !bytes.isEmpty {
                let at = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: bytes.remove(at: at)
                case 1: bytes.insert(bytes[at], at: at)
                default: bytes[at] = alphabet[Int.random(in: 0..<alphabet.count, using: &generator)]
                }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            let valid = Self.isValid(text)
            if valid { accepted += 1 }
            #expect(valid == Self.parses(text), "\(text)")
        }
        #expect(accepted > 100, "the mutations should keep some documents valid")
    }

    @Test func nestingLimitIsTheParsers() {
        var answers: [Bool] = []
        for depth in 509...515 {
            let text = String(repeating: "[", count: depth) + "0" + String(repeating: "]", count: depth)
            #expect(Self.isValid(text) == Self.parses(text), "depth \(depth)")
            answers.append(Self.isValid(text))
        }
        #expect(answers.contains(true) && answers.contains(false), "the limit lies in the range tried")
    }

    @Test func walksFieldsAndElements() {
        var text = #" { "a" : [1, {"x": "]"}, "s,}"] , "b":{"c":null},"d":-1.5e3 } "#
        let (fields, elements) = text.withUTF8 { bytes -> ([String], [String]) in
            let scanner = JSONTextScanner(bytes)
            func string(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }
            var fields: [String] = []
            var arrayStart: Int?
            scanner.forEachField(ofObjectAt: 1) { key, value in
                fields.append(string(key) + "=" + string(value))
                if string(key) == "\"a\"" { arrayStart = value.lowerBound }
            }
            var elements: [String] = []
            if let arrayStart { scanner.forEachElement(ofArrayAt: arrayStart) { elements.append(string($0)) } }
            return (fields, elements)
        }
        #expect(fields == [#""a"=[1, {"x": "]"}, "s,}"]"#, #""b"={"c":null}"#, #""d"=-1.5e3"#])
        #expect(elements == ["1", #"{"x": "]"}"#, #""s,}""#])
    }
}
