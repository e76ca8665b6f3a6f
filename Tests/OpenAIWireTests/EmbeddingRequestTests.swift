import Foundation
import OpenAIWire
import Testing

/// `POST /v1/embeddings` bodies: every shape of `input` OpenAI accepts, and a 400 naming the
/// field for every shape it refuses.
@Suite struct EmbeddingRequestTests {
    func request(_ fields: String) throws(OpenAIError) -> EmbeddingRequest {
        try EmbeddingRequest(body: Array(#"{"model":"m"\#(fields)}"#.utf8))
    }

    func param(_ fields: String) -> String? {
        do {
            _ = try request(fields)
            return "accepted"
        } catch {
            #expect(error.status == 400 && error.type == "invalid_request_error")
            return error.param
        }
    }

    @Test func inputShapes() throws {
        #expect(try request(#","input":"hi""#).inputs == [.text("hi")])
        #expect(try request(#","input":["a","b"]"#).inputs == [.text("a"), .text("b")])
        #expect(try request(#","input":[1,2,3]"#).inputs == [.tokens([1, 2, 3])])
        #expect(try request(#","input":[[1],[2,3]]"#).inputs == [.tokens([1]), .tokens([2, 3])])
        let parsed = try request(#","input":"x","encoding_format":"base64","user":"u","extra":1"#)
        #expect(parsed.encodingFormat == .base64 && parsed.user == "u" && parsed.ignoredFields == ["extra"])
        #expect(try request(#","input":"x","dimensions":64"#).dimensions == 64)
        #expect(try request(#","input":"x","encoding_format":null"#).encodingFormat == .float)
    }

    @Test func refusalsNameTheField() {
        #expect(param("") == "input")
        #expect(param(#","input":null"#) == "input")
        #expect(param(#","input":"""#) == "input")
        #expect(param(#","input":[]"#) == "input")
        #expect(param(#","input":["a",""]"#) == "input[1]")
        #expect(param(#","input":["a",1]"#) == "input[1]")
        #expect(param(#","input":[[1],"a"]"#) == "input[1]")
        #expect(param(#","input":[[1],[]]"#) == "input[1]")
        #expect(param(#","input":[1,-2]"#) == "input[1]")
        #expect(param(#","input":[1,"2"]"#) == "input[1]")
        #expect(param(#","input":[[1,1.5]]"#) == "input[0][1]")
        #expect(param(#","input":{"a":1}"#) == "input")
        #expect(param(#","input":true"#) == "input")
        #expect(param(#","input":"x","encoding_format":"int8""#) == "encoding_format")
        #expect(param(#","input":"x","dimensions":0"#) == "dimensions")
        let many = "[" + Array(repeating: #""a""#, count: 2049).joined(separator: ",") + "]"
        #expect(param(#","input":\#(many)"#) == "input")
        #expect(throws: OpenAIError.self) { try EmbeddingRequest(body: Array(#"{"input":"x"}"#.utf8)) }
    }

    @Test func responseShapes() throws {
        let list = EmbeddingList(model: "m", vectors: [[1, -0.5], [0.25, 2]], encodingFormat: .float, promptTokens: 7)
        let text = list.value.jsonString
        #expect(text.contains(#""object":"list""#) && text.contains(#""embedding":[1.0,-0.5]"#))
        #expect(text.contains(#""usage":{"prompt_tokens":7,"total_tokens":7}"#))
        let encoded = EmbeddingList(model: "m", vectors: [[1, -0.5]], encodingFormat: .base64, promptTokens: 1).value
        guard case .string(let base64)? = encoded["data"]?.arrayValue?.first?["embedding"], let data = Data(base64Encoded: base64) else {
            Issue.record("no base64 string")
            return
        }
        #expect(data == Data([0, 0, 0x80, 0x3F, 0, 0, 0, 0xBF]))
    }
}
