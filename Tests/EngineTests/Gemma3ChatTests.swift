import Engine
import Foundation
import OpenAIWire
import Testing
import TestSupport
import Tokenization

/// Gemma 3 270M is a base model without `tokenizer.chat_template`: chat uses llama.cpp's
/// built-in Gemma format and generation ends on any end-of-generation token.
@Suite(.enabled(if: SharedFixtures.gemma3Available, "gemma3-270m is not pulled"))
struct Gemma3ChatTests {
    static let engine: Result<InferenceEngine, any Error> = Result {
        try InferenceEngine(modelPath: SharedFixtures.gemma3ModelPath,
                            configuration: EngineConfiguration(contextLength: 2048, maxConcurrentSequences: 2))
    }

    @Test func builtInTemplateIsLlamaCppsGemmaFormat() throws {
        let engine = try Self.engine.get()
        let messages: JSONValue = [
            ["role": "system", "content": " Be brief. "],
            ["role": "user", "content": "Hi\n"],
            ["role": "assistant", "content": "Hello!"],
            ["role": "user", "content": "Count to three."],
        ]
        #expect(try engine.renderChat(messages: messages) == """
            <start_of_turn>user
            Be brief.

            Hi<end_of_turn>
            <start_of_turn>model
            Hello!<end_of_turn>
            <start_of_turn>user
            Count to three.<end_of_turn>
            <start_of_turn>model

            """)
        let tokens = try engine.chatPromptTokens(messages: [["role": "user", "content": "Hi"]])
        #expect(tokens.prefix(2) == [2, 105], "BOS, then <start_of_turn> as one token")
    }

    @Test func generationEndsOnEndOfTurnOrEos() throws {
        let engine = try Self.engine.get()
        #expect(engine.tokenizer.endOfGenerationTokenIDs.isSuperset(of: [1, 106]))
    }

    @Test func greedyCompletionFollowsTheReference() async throws {
        let engine = try Self.engine.get()
        let references = try #require(try SharedFixtures.gemma3JSON("reference_greedy.json") as? [[String: Any]])
        // Reference 1: 11 prompt tokens, which llama-server evaluates as 7, then 4.
        let reference = try #require(references.dropFirst().first)
        let prompt = try #require(reference["prompt_tokens"] as? [Int])
        let expected = try #require(reference["steps"] as? [[String: Any]]).compactMap { $0["id"] as? Int }
        var ids: [Int] = []
        let greedy = GenerationRequest(promptTokens: prompt, sampling: SamplingParameters(temperature: 0), maxTokens: 16)
        for try await event in engine.generate(greedy) {
            if case .token(let token) = event { ids.append(token.id) }
        }
        // llama.cpp's greedy run (fewer steps if an end-of-generation token came): equal only
        // because the scheduler batches the prompt as llama-server does (PromptBatchBreaks).
        #expect(ids == Array(expected.prefix(ids.count)))
        #expect(!ids.isEmpty)
    }
}
