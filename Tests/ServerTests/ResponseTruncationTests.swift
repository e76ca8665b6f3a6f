import Engine
import Fleet
import Foundation
import HTTPTypes
import HummingbirdTesting
import OpenAIWire
import Server
import Testing

/// `truncation: "auto"` over the HTTP API, on the fake backend (one token per byte, a 256-token
/// window, "role: content" lines), so the prompt that ran can be read back exactly.
@Suite struct ResponseTruncationTests {
    /// Five user/assistant exchanges of ~60 bytes each and a new question: ~330 bytes rendered.
    static func body(truncation: String?) -> String {
        var items: [JSONValue] = []
        for turn in 1...5 {
            items.append(["role": "user", "content": .string("question \(turn) " + String(repeating: "q", count: 20))])
            items.append(["role": "assistant", "content": .string("answer \(turn) " + String(repeating: "a", count: 20))])
        }
        items.append(["role": "user", "content": "the newest question"])
        var object = JSONObject(["model": "fake-model", "instructions": "Be brief.", "input": .array(items), "max_output_tokens": 8])
        if let truncation { object["truncation"] = .string(truncation) }
        return JSONValue.object(object).jsonString
    }

    @Test func withoutAutoTheWindowIsOpenAIs400() async throws {
        try await withServer { client in
            for truncation in [nil, "disabled"] {
                let response = try await client.post("/v1/responses", Self.body(truncation: truncation))
                let error = try response.expectError(status: .badRequest, code: "context_length_exceeded", param: "input")
                #expect(error["message"]?.stringValue?.contains("maximum context length is 256 tokens") == true)
            }
        }
    }

    @Test func autoDropsTheOldestExchangesAndKeepsTheInstructions() async throws {
        let backend = FakeBackend()
        try await withServer(backend) { client in
            let response = try await client.post("/v1/responses", Self.body(truncation: "auto"))
            #expect(response.status == .ok, "\(response.text)")
            let json = try response.json
            #expect(json["truncation"] == "auto")
            let prompt = String(decoding: (backend.lastRequest?.promptTokens ?? []).map { UInt8(truncatingIfNeeded: $0) }, as: UTF8.self)
            let inputTokens = try #require(json["usage"]?["input_tokens"]?.intValue)
            #expect(inputTokens == prompt.utf8.count)
            #expect(inputTokens + 8 <= 256)
            #expect(prompt.hasPrefix("system: Be brief.\n") || prompt.hasPrefix("developer: Be brief.\n"), "\(prompt)")
            #expect(prompt.contains("the newest question"))
            #expect(!prompt.contains("question 1 "), "the oldest exchange went")
            // The fewest went: with one more exchange the prompt would not fit.
            let firstKept = try #require((1...5).first { prompt.contains("question \($0) ") })
            #expect(firstKept > 1)
            let oneMore = "user: question \(firstKept - 1) \(String(repeating: "q", count: 20))\n"
                + "assistant: answer \(firstKept - 1) \(String(repeating: "a", count: 20))\n"
            #expect(inputTokens + oneMore.utf8.count + 8 > 256)
            // A conversation never opens with a reply: the first kept message after the instructions is a user's.
            let lines = prompt.split(separator: "\n")
            #expect(lines.count > 1 && lines[1].hasPrefix("user: "))
        }
    }
}
