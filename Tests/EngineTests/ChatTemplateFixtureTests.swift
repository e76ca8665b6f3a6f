import Engine
import Foundation
import OpenAIWire
import Testing
import TestSupport

/// The model's own chat template, rendered by our Jinja interpreter, gives exactly the
/// prompts (text and tokens) llama.cpp rendered for the reference conversations.
@Suite struct ChatTemplateFixtureTests {
    @Test func renderedPromptsMatchFixtures() throws {
        let engine = try SharedEngine.get()
        let data = try Data(contentsOf: SharedFixtures.smolLM2Directory.appendingPathComponent("reference_greedy.json"))
        let conversations = try #require(try JSONValue.parse(Array(data)).arrayValue)
        #expect(conversations.count > 0)
        for conversation in conversations {
            let messages = try #require(conversation["messages"])
            let expected = try #require(conversation["prompt"]?.stringValue)
            #expect(try engine.renderChat(messages: messages) == expected)
            let expectedTokens = try #require(conversation["prompt_tokens"]?.arrayValue).compactMap(\.intValue)
            #expect(try engine.chatPromptTokens(messages: messages) == expectedTokens)
        }
    }

    @Test func textPartsAreJoined() throws {
        let engine = try SharedEngine.get()
        let parts: JSONValue = [["role": "user", "content": [["type": "text", "text": "Hello "], ["type": "text", "text": "there"]]]]
        let plain: JSONValue = [["role": "user", "content": "Hello there"]]
        #expect(try engine.renderChat(messages: parts) == engine.renderChat(messages: plain))
    }
}
