import Foundation
import TestSupport
import Testing
import Tokenization

/// llama.cpp's own tokenizations of the SmolLM2 fixtures, reproduced id for id.
@Suite struct FixtureTests {
    struct Case: CustomTestStringConvertible {
        let text: String
        let special: [Int]
        let plain: [Int]
        var testDescription: String { String(text.prefix(40)).debugDescription }
    }

    static func cases() throws -> [Case] {
        let entries = try #require(SharedFixtures.json("tokenizer.json") as? [[String: Any]])
        return try entries.map { entry in
            Case(
                text: try #require(entry["text"] as? String),
                special: try #require(entry["tokens_parse_special"] as? [Int]),
                plain: try #require(entry["tokens_plain"] as? [Int]))
        }
    }

    @Test func everyFixtureTokenizesAndDecodesExactly() throws {
        let tokenizer = try SmolLM2Tokenizer.load()
        let cases = try Self.cases()
        #expect(cases.count > 50)
        for item in cases {
            #expect(tokenizer.encode(item.text, parseSpecial: true) == item.special, "\(item.testDescription)")
            #expect(tokenizer.encode(item.text, parseSpecial: false) == item.plain, "\(item.testDescription)")
            #expect(tokenizer.decode(item.special) == item.text)
            #expect(tokenizer.decode(item.plain) == item.text)
        }
    }

    @Test func conversationPromptsMatchReference() throws {
        let tokenizer = try SmolLM2Tokenizer.load()
        let conversations = try #require(SharedFixtures.json("reference_greedy.json") as? [[String: Any]])
        #expect(!conversations.isEmpty)
        for conversation in conversations {
            let prompt = try #require(conversation["prompt"] as? String)
            let expected = try #require(conversation["prompt_tokens"] as? [Int])
            #expect(tokenizer.encode(prompt) == expected)
            #expect(tokenizer.decode(expected) == prompt)
        }
    }
}
