import Foundation
import GGUF
import Templating
import Testing
import TestSupport

/// The default model's own template reproduces the prompts llama.cpp rendered for it.
@Suite("SmolLM2 chat template")
struct SmolLM2TemplateTests {
    /// The conversations of reference_greedy.json as `TemplateValue` messages, with their prompts.
    static func conversations() throws -> [(messages: TemplateValue, prompt: String)] {
        let fixture = try #require(try SharedFixtures.json("reference_greedy.json") as? [[String: Any]])
        return try fixture.map { entry in
            let messages = try #require(entry["messages"] as? [[String: String]])
            let prompt = try #require(entry["prompt"] as? String)
            let values: [TemplateValue] = messages.map { message in
                .object(TemplateObject(["role": .string(message["role"] ?? ""), "content": .string(message["content"] ?? "")]))
            }
            return (.array(values), prompt)
        }
    }

    @Test("stored template renders every reference prompt exactly")
    func storedTemplateMatchesReferencePrompts() throws {
        let template = try ChatTemplate(source: try ReferenceRenderer.templateSource("smollm2.jinja"))
        let conversations = try Self.conversations()
        #expect(!conversations.isEmpty)
        for conversation in conversations {
            let prompt = try template.render(["messages": conversation.messages, "add_generation_prompt": true])
            #expect(prompt == conversation.prompt)
        }
    }

    @Test("the model file's template is the stored one and renders the reference prompts",
          .enabled(if: FileManager.default.fileExists(atPath: SharedFixtures.modelPath)))
    func modelFileTemplateMatchesReferencePrompts() throws {
        let file = try GGUFFile(path: SharedFixtures.modelPath)
        let source = try file.metadata.string("tokenizer.chat_template")
        #expect(source == (try ReferenceRenderer.templateSource("smollm2.jinja")))
        let template = try ChatTemplate(source: source)
        for conversation in try Self.conversations() {
            #expect(try template.render(["messages": conversation.messages, "add_generation_prompt": true]) == conversation.prompt)
        }
    }
}
